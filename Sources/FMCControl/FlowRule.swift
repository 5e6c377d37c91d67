// Flow rules as OpenFlow 1.3 knows them: a match over header fields, a priority, a list of
// actions, an idle timeout. The FMC controller logic produces these; the emulator installs
// them in emulated tables and a later OpenFlow encoder sends the very same values to Open
// vSwitch, so emulated and real runs count the same rules.
//
// Field and action choices follow what OVS 3.1 accepts (shared/testbed-notes.md): IPv4
// matches carry their eth_type prerequisite, rewrites are SET_FIELD, delivery is OUTPUT.

import FMCCore

/// A logical switch port. Edge switches have one port towards the core and one per host;
/// the controller port is OpenFlow's reserved CONTROLLER.
public enum SwitchPort: Hashable, Sendable, CustomStringConvertible {
    case core
    case host(IPAddress)
    case controller
    /// The port the packet came in on (OFPP_IN_PORT), for ARP replies.
    case inPort
    /// Delivery on this switch by destination address (the network's own routing).
    case local

    public var description: String {
        switch self {
        case .core: return "core"
        case let .host(a): return "host:\(a)"
        case .controller: return "controller"
        case .inPort: return "in_port"
        case .local: return "local"
        }
    }
}

/// Match fields (all optional; nil = wildcard). IP fields imply eth_type IPv4/IPv6.
public struct FlowMatch: Hashable, Sendable, CustomStringConvertible {
    public var inPort: SwitchPort?
    public var isARP = false
    /// ARP target protocol address (ARP responder rules).
    public var arpTarget: IPAddress?
    public var source: IPPrefix?
    public var destination: IPPrefix?

    public init(inPort: SwitchPort? = nil, isARP: Bool = false, arpTarget: IPAddress? = nil,
                source: IPPrefix? = nil, destination: IPPrefix? = nil) {
        self.inPort = inPort
        self.isARP = isARP
        self.arpTarget = arpTarget
        self.source = source
        self.destination = destination
    }

    /// A host address as an exact match.
    public static func host(_ a: IPAddress) -> IPPrefix { IPPrefix(address: a, length: a.isIPv4 ? 32 : 128) }

    /// Whether a packet with these properties matches.
    @inlinable
    public func matches(inPort port: SwitchPort, arp: Bool, arpTarget target: IPAddress?, source src: IPAddress, destination dst: IPAddress) -> Bool {
        if let p = inPort, p != port { return false }
        if isARP != arp { return false }
        if let t = arpTarget, t != target { return false }
        if let s = source, !s.contains(src) { return false }
        if let d = destination, !d.contains(dst) { return false }
        return true
    }

    /// Every field folded into one word, hashed once: rule keys are hashed several times per
    /// flow-mod (controller bookkeeping, the switch table), and the synthesized hash fed the
    /// hasher field by field, tag by tag. Equality still compares every field.
    @inlinable
    public var fold: UInt64 {
        @inline(__always) func mix(_ x: UInt64, _ v: UInt64) -> UInt64 {
            let y = (x ^ v) &* 0x9E37_79B9_7F4A_7C15
            return y ^ (y >> 31)
        }
        var x: UInt64 = isARP ? 0xA5 : 0x5A
        if let p = inPort {
            switch p {
            case .core: x = mix(x, 1)
            case let .host(a): x = mix(mix(x, 2 ^ a.low), a.high)
            case .controller: x = mix(x, 3)
            case .inPort: x = mix(x, 4)
            case .local: x = mix(x, 5)
            }
        }
        if let t = arpTarget { x = mix(mix(x, 6 ^ t.low), t.high) }
        if let s = source { x = mix(mix(x, 7 ^ s.address.low ^ UInt64(s.length) << 56), s.address.high) }
        if let d = destination { x = mix(mix(x, 8 ^ d.address.low ^ UInt64(d.length) << 56), d.address.high) }
        return x
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(fold) }

    public var description: String {
        var parts: [String] = []
        if let p = inPort { parts.append("in_port=\(p)") }
        if isARP { parts.append("arp") }
        if let t = arpTarget { parts.append("arp_tpa=\(t)") }
        if let s = source { parts.append("ip_src=\(s)") }
        if let d = destination { parts.append("ip_dst=\(d)") }
        return parts.isEmpty ? "*" : parts.joined(separator: ",")
    }
}

public enum FlowAction: Hashable, Sendable, CustomStringConvertible {
    case setSource(IPAddress)
    case setDestination(IPAddress)
    case output(SwitchPort)
    /// Answer an ARP request in the switch (the slow-path ARP responder of the testbed).
    case arpReply
    case drop

    public var description: String {
        switch self {
        case let .setSource(a): return "set_field:\(a)->ip_src"
        case let .setDestination(a): return "set_field:\(a)->ip_dst"
        case let .output(p): return "output:\(p)"
        case .arpReply: return "arp_reply"
        case .drop: return "drop"
        }
    }
}

/// A rule's actions, kept inline. FMC rules have at most three; an array would be a second
/// heap object per rule, allocated and freed with every flow-mod, and rules are made and
/// dropped millions of times in a long replay.
public struct FlowActions: RandomAccessCollection, ExpressibleByArrayLiteral, Hashable, Sendable, CustomStringConvertible {
    /// The most actions a rule can carry.
    public static let capacity = 4
    @usableFromInline var a0, a1, a2, a3: FlowAction?
    @usableFromInline var stored: UInt8

    @inlinable
    public init(_ actions: some Sequence<FlowAction>) {
        a0 = nil; a1 = nil; a2 = nil; a3 = nil
        stored = 0
        for a in actions {
            precondition(stored < FlowActions.capacity, "a flow rule carries at most \(FlowActions.capacity) actions")
            switch stored {
            case 0: a0 = a
            case 1: a1 = a
            case 2: a2 = a
            default: a3 = a
            }
            stored += 1
        }
    }

    @inlinable
    public init(arrayLiteral elements: FlowAction...) { self.init(elements) }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { Int(stored) }

    @inlinable
    public subscript(i: Int) -> FlowAction {
        precondition(i >= 0 && i < Int(stored), "action index out of range")
        switch i {
        case 0: return a0!
        case 1: return a1!
        case 2: return a2!
        default: return a3!
        }
    }

    public var description: String { map(\.description).joined(separator: ",") }
}

/// What a rule is for, in the paper's terms; reports count rules by role.
public enum RuleRole: String, Sendable, CaseIterable {
    /// One per switch per role while that switch serves that role (the paper's 2N).
    case base
    case home
    case foreign
    case correspondent

    /// Position in `allCases`, for per-role arrays.
    @inlinable
    public static func index(_ r: RuleRole) -> Int {
        switch r {
        case .base: return 0
        case .home: return 1
        case .foreign: return 2
        case .correspondent: return 3
        }
    }
}

/// What a rule is for: the names of docs/fmc-rules.md. Hot paths (the emulator's walks, the
/// metrics, the controllers' packet-in dispatch) switch on this instead of comparing strings.
public enum RuleKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case hsRedirect, hsRestore, hsArpID, hsPeer, hsBase
    case fsDeliver, fsSend, fsHome, fsLocalOut, fsLocalIn, fsArp, fsPeer, fsCnet, fsBase
    case csToLoc, csFromLoc, csFromID, csPeer
    /// Infrastructure: every switch's own routing, not FMC rules.
    case routeLocal, routeCore, arpGateway, locatorCatch

    /// The name reports and listings use.
    public var name: String { RuleKind.names[Int(rawValue)] }
    public var description: String { name }

    public init?(name: String) {
        guard let i = RuleKind.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: UInt8(i))
    }

    static let names = [
        "hs-redirect", "hs-restore", "hs-arp-id", "hs-peer", "hs-base",
        "fs-deliver", "fs-send", "fs-home", "fs-local-out", "fs-local-in", "fs-arp", "fs-peer", "fs-cnet", "fs-base",
        "cs-to-loc", "cs-from-loc", "cs-from-id", "cs-peer",
        "route-local", "route-core", "arp-gateway", "locator-catch",
    ]

    /// Each kind's position among the names in alphabetical order, so that rules sort by name
    /// without comparing strings.
    public static let nameRank: [Int] = {
        var rank = [Int](repeating: 0, count: names.count)
        for (r, i) in names.indices.sorted(by: { names[$0] < names[$1] }).enumerated() { rank[i] = r }
        return rank
    }()

    public var isInfrastructure: Bool { rawValue >= RuleKind.routeLocal.rawValue }
}

/// A rule is a value, stored behind a copy-on-write reference: rules travel through
/// controller outputs, event queues, controller bookkeeping and flow tables several times per
/// handover, and a copy is then one reference count instead of a 200-byte move.
public struct FlowRule: Hashable, Sendable, CustomStringConvertible {
    /// The rule's value, field by field. What tables and measurements read for every change
    /// comes first, so that it shares the object's first cache line with the reference count;
    /// the rest is read rarely (a fingerprint matched, a listing).
    @usableFromInline
    struct Fields: Hashable {
        @usableFromInline var priority: UInt16
        @usableFromInline var idleTimeout: UInt16
        /// `match.fold + priority`, kept with the rule (see `entryFingerprint`).
        @usableFromInline var fingerprint: UInt64
        @usableFromInline var network: Int
        @usableFromInline var kind: RuleKind
        @usableFromInline var role: RuleRole
        @usableFromInline var node: IPAddress?
        @usableFromInline var cookie: UInt64
        @usableFromInline var switchID: String
        @usableFromInline var match: FlowMatch
        @usableFromInline var actions: FlowActions

        @inlinable
        init(_ switchID: String, _ network: Int, _ priority: UInt16, _ match: FlowMatch, _ actions: FlowActions, _ idleTimeout: UInt16,
             _ kind: RuleKind, _ role: RuleRole, _ node: IPAddress?, _ cookie: UInt64) {
            self.switchID = switchID
            self.network = network
            self.priority = priority
            self.match = match
            self.actions = actions
            self.idleTimeout = idleTimeout
            self.kind = kind
            self.role = role
            self.node = node
            self.cookie = cookie
            fingerprint = match.fold &+ UInt64(priority)
        }
    }

    @usableFromInline
    final class Storage: @unchecked Sendable {
        /// Not part of the value (see `tableSlot`).
        @usableFromInline var slot: Int32 = -1
        @usableFromInline var f: Fields

        @usableFromInline
        init(_ f: Fields) { self.f = f }

        @usableFromInline
        func copy() -> Storage { Storage(f) }

        /// Made anew from a pool (see `FlowRulePool`).
        @usableFromInline
        func reset(_ f: Fields) {
            slot = -1
            self.f = f
        }
    }

    @usableFromInline var storage: Storage

    @usableFromInline
    mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Edge switch holding the rule.
    @inlinable public var switchID: String {
        get { storage.f.switchID }
        set { unique(); storage.f.switchID = newValue }
    }
    /// The network whose edge switch holds the rule (its index in the topology), so drivers
    /// find the switch without looking its name up per flow-mod.
    @inlinable public var network: Int {
        get { storage.f.network }
        set { unique(); storage.f.network = newValue }
    }
    @inlinable public var priority: UInt16 {
        get { storage.f.priority }
        set { unique(); storage.f.priority = newValue; storage.f.fingerprint = storage.f.match.fold &+ UInt64(newValue) }
    }
    @inlinable public var match: FlowMatch {
        get { storage.f.match }
        set { unique(); storage.f.match = newValue; storage.f.fingerprint = newValue.fold &+ UInt64(storage.f.priority) }
    }
    /// The table entry's identity (match and priority) folded to one word: equal entries have
    /// equal fingerprints, so a search compares words and touches a rule only on a match.
    @inlinable public var entryFingerprint: UInt64 { storage.f.fingerprint }
    @inlinable public var actions: FlowActions {
        get { storage.f.actions }
        set { unique(); storage.f.actions = newValue }
    }
    /// Seconds without a matching packet after which the switch removes the rule; 0 = never.
    @inlinable public var idleTimeout: UInt16 {
        get { storage.f.idleTimeout }
        set { unique(); storage.f.idleTimeout = newValue }
    }
    /// What the rule is for (docs/fmc-rules.md).
    @inlinable public var kind: RuleKind {
        get { storage.f.kind }
        set { unique(); storage.f.kind = newValue }
    }
    /// The rule's name, e.g. "hs-redirect" (named in every rule listing).
    public var name: String { storage.f.kind.name }
    @inlinable public var role: RuleRole {
        get { storage.f.role }
        set { unique(); storage.f.role = newValue }
    }
    /// The migrating node the rule serves (nil for base rules).
    @inlinable public var node: IPAddress? {
        get { storage.f.node }
        set { unique(); storage.f.node = newValue }
    }
    /// OpenFlow cookie: lets a controller delete all rules of one node at once.
    @inlinable public var cookie: UInt64 {
        get { storage.f.cookie }
        set { unique(); storage.f.cookie = newValue }
    }
    /// Where an emulated flow table keeps this very rule, so that removing it needs no search.
    /// A cache, not part of the value: never compared or hashed, set without copying (a rule
    /// sits in one switch's table), and checked by identity before use.
    @inlinable public var tableSlot: Int32 {
        get { storage.slot }
        nonmutating set { storage.slot = newValue }
    }
    /// Whether `other` is this very rule (the same stored value, not merely an equal one).
    @inlinable public func isSame(_ other: FlowRule) -> Bool { storage === other.storage }

    public init(switchID: String, network: Int, priority: UInt16, match: FlowMatch, actions: FlowActions, idleTimeout: UInt16 = 0,
                kind: RuleKind, role: RuleRole, node: IPAddress?, cookie: UInt64 = 0) {
        storage = Storage(Fields(switchID, network, priority, match, actions, idleTimeout, kind, role, node, cookie))
    }

    /// The same, in storage from `pool` when it has some.
    @inlinable
    public init(pool: FlowRulePool?, switchID: String, network: Int, priority: UInt16, match: FlowMatch, actions: FlowActions,
                idleTimeout: UInt16 = 0, kind: RuleKind, role: RuleRole, node: IPAddress?, cookie: UInt64 = 0) {
        let f = Fields(switchID, network, priority, match, actions, idleTimeout, kind, role, node, cookie)
        if let s = pool?.spare.popLast() {
            s.reset(f)
            storage = s
        } else {
            storage = Storage(f)
        }
    }

    public static func == (a: FlowRule, b: FlowRule) -> Bool {
        a.storage === b.storage || a.storage.f == b.storage.f
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage.f) }

    /// Identity in a flow table: OpenFlow replaces a rule with the same match and priority.
    public var key: RuleKey { RuleKey(switchID: switchID, priority: priority, match: match) }

    /// Whether `other` is the same table entry (same switch, priority and match), compared
    /// in place without building keys.
    @inlinable
    public func sameEntry(as other: FlowRule) -> Bool {
        let x = storage, y = other.storage
        return x === y || (x.f.priority == y.f.priority && x.f.match == y.f.match && x.f.switchID == y.f.switchID)
    }

    public var description: String {
        "\(switchID) prio=\(priority) \(match) -> \(actions) [\(name)]"
    }
}

public struct RuleKey: Hashable, Sendable {
    public var switchID: String
    public var priority: UInt16
    public var match: FlowMatch

    /// The match and priority only: rules of one key on different switches (the centralized
    /// controller's) at worst share a bucket chain; equality still tells them apart.
    public func hash(into hasher: inout Hasher) { hasher.combine(match.fold &+ UInt64(priority)) }
}

/// Rules nobody holds any more, kept for the next rules made. A long replay makes and drops
/// millions of rules; taking the storage of a dropped one costs neither an allocation nor a
/// free (and the free is the costly half when another thread touched the rule last).
/// Belongs to one thread: a driver hands it to the controllers it runs and recycles into it
/// the rules its switches let go of.
public final class FlowRulePool {
    @usableFromInline var spare: [FlowRule.Storage] = []
    /// At most this many are kept.
    public let limit: Int

    public init(limit: Int = 1 << 14) {
        self.limit = limit
        spare.reserveCapacity(limit)
    }

    /// Keeps `rule`'s storage for reuse if nothing else refers to it (else it is just dropped).
    @inlinable
    public func recycle(_ rule: consuming FlowRule) {
        var r = rule
        if spare.count < limit && isKnownUniquelyReferenced(&r.storage) { spare.append(r.storage) }
    }
}
