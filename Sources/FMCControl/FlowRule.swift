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

public struct FlowRule: Hashable, Sendable, CustomStringConvertible {
    /// Edge switch holding the rule.
    public var switchID: String
    public var priority: UInt16
    public var match: FlowMatch
    public var actions: [FlowAction]
    /// Seconds without a matching packet after which the switch removes the rule; 0 = never.
    public var idleTimeout: UInt16
    /// What the rule is for, e.g. "hs-redirect" (named in every rule listing).
    public var name: String
    public var role: RuleRole
    /// The migrating node the rule serves (nil for base rules).
    public var node: IPAddress?
    /// OpenFlow cookie: lets a controller delete all rules of one node at once.
    public var cookie: UInt64

    public init(switchID: String, priority: UInt16, match: FlowMatch, actions: [FlowAction], idleTimeout: UInt16 = 0,
                name: String, role: RuleRole, node: IPAddress?, cookie: UInt64 = 0) {
        self.switchID = switchID
        self.priority = priority
        self.match = match
        self.actions = actions
        self.idleTimeout = idleTimeout
        self.name = name
        self.role = role
        self.node = node
        self.cookie = cookie
    }

    /// Identity in a flow table: OpenFlow replaces a rule with the same match and priority.
    public var key: RuleKey { RuleKey(switchID: switchID, priority: priority, match: match) }

    /// Whether `other` is the same table entry (same switch, priority and match), compared
    /// in place without building keys.
    @inlinable
    public func sameEntry(as other: FlowRule) -> Bool {
        priority == other.priority && match == other.match && switchID == other.switchID
    }

    public var description: String {
        "\(switchID) prio=\(priority) \(match) -> \(actions.map(\.description).joined(separator: ",")) [\(name)]"
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
