// The FMC controller logic (paper §3–5, DESIGN.md §2) as a pure state machine:
// `handle(input, now) -> [output]`. It never sends anything itself; the emulator (and later
// the real controller process) delivers its outputs with whatever latency applies.
//
// One class plays every role. For a given migrating node a controller is its home controller
// (HC) if it controls the node's home network, its foreign controller (FC) for the network
// the node visits, and a correspondent controller (CC) for networks whose hosts talk to it.
// A message a controller would send to itself is handled on the spot: that is exactly the
// centralized controller, which only ever talks to switches. The rules are those of
// docs/fmc-rules.md. Priorities follow specificity, so rules of different nodes sharing a
// switch never shadow each other wrongly: per-peer 200, exact destination 180, destination
// prefix 150, the rest 100, base 10.

import FMCCore

/// What a controller needs to know of the network.
public struct ControlNetwork: Sendable {
    public var name: String
    public var prefix: IPPrefix
    public var switchID: String
    public var controller: String
    public init(name: String, prefix: IPPrefix, switchID: String, controller: String) {
        self.name = name
        self.prefix = prefix
        self.switchID = switchID
        self.controller = controller
    }
}

public struct ControlTopology: Sendable {
    public var networks: [ControlNetwork] { didSet { buildLookup() } }
    public var distributed: Bool
    public var alpha = 3, beta = 6, gamma = 3, delta = 6
    /// Idle timeout of per-peer rules in seconds (0 = never expire).
    public var peerIdleTimeout: UInt16 = 0

    public init(networks: [ControlNetwork], distributed: Bool) {
        self.networks = networks
        self.distributed = distributed
        buildLookup()
    }

    /// Prefixes as masks, longest first: `network(of:)` runs for every packet and message,
    /// so it compares two masked words per network instead of recomputing masks.
    private var lookup: [(maskHigh: UInt64, maskLow: UInt64, high: UInt64, low: UInt64, v4: Bool, index: Int)] = []

    private mutating func buildLookup() {
        lookup = networks.enumerated().sorted { ($0.element.prefix.length, $1.offset) > ($1.element.prefix.length, $0.offset) }.map { i, n in
            let p = n.prefix
            let bits = p.address.isIPv4 ? 96 + p.length : p.length
            let mh: UInt64 = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~0 << UInt64(64 - bits))
            let ml: UInt64 = bits <= 64 ? 0 : (bits >= 128 ? ~0 : ~0 << UInt64(128 - bits))
            return (mh, ml, p.address.high & mh, p.address.low & ml, p.address.isIPv4, i)
        }
    }

    /// The network whose prefix holds `a` (the longest prefix wins; among equal prefixes
    /// the first listed).
    @inline(__always)
    public func network(of a: IPAddress) -> Int? {
        for e in lookup where e.v4 == a.isIPv4 && a.low & e.maskLow == e.low && a.high & e.maskHigh == e.high {
            return e.index
        }
        return nil
    }

    /// Locators come from the upper half of a network's prefix, so they never collide with
    /// hosts numbered from the bottom (as the captures and synthetic scenarios number them).
    public func locatorPool(of n: Int) -> IPPrefix {
        let p = networks[n].prefix
        let half = IPPrefix(address: p.address, length: p.length + 1)
        let hostBits = (p.address.isIPv4 ? 32 : 128) - p.length - 1
        if p.address.isIPv4 {
            return IPPrefix(address: IPAddress(ipv4: half.address.ipv4Value | (1 << UInt32(hostBits))), length: p.length + 1)
        }
        var a = half.address
        if hostBits >= 64 { a.high |= 1 << UInt64(hostBits - 64) } else { a.low |= 1 << UInt64(hostBits) }
        return IPPrefix(address: a, length: p.length + 1)
    }
}

/// From a switch to its controller.
public enum SwitchEvent: Sendable {
    /// A host appeared on an access port (port-status or its first packet).
    case hostAttached(switchID: String, host: IPAddress)
    case hostDetached(switchID: String, host: IPAddress)
    /// A packet sent to the controller by the rule `rule` (a name from docs/fmc-rules.md).
    case packetIn(switchID: String, rule: RuleKind, source: IPAddress, destination: IPAddress)
    /// The switch removed `rule` by itself (its idle timeout ran out): OpenFlow's flow-removed.
    case flowRemoved(switchID: String, rule: FlowRule)
}

/// Between controllers (only in distributed mode do these cross the network).
public enum PeerMessage: Sendable, Equatable {
    /// FC → HC: `node` attached in `network` with this locator.
    case migrated(node: IPAddress, locator: IPAddress, network: Int)
    /// HC → old FC: the node left `network`; remove its rules, return your list of CCs.
    case release(node: IPAddress, network: Int)
    /// old FC → HC: the correspondent networks the old FC had updated.
    case released(node: IPAddress, correspondents: [Int])
    /// HC/FC → CC: install (locator) or remove (nil) the mapping for correspondent network `cnet`.
    case mapping(node: IPAddress, locator: IPAddress?, cnet: Int)
    /// Driver → target FC: a handover of `node` into `network` is announced (proactive strategies).
    case announce(node: IPAddress, network: Int)

    public var typeName: String {
        switch self {
        case .migrated: return "migrated"
        case .release: return "release"
        case .released: return "released"
        case .mapping(_, let l, _): return l == nil ? "unmap" : "map"
        case .announce: return "announce"
        }
    }
}

public enum ControlInput: Sendable {
    case fromSwitch(SwitchEvent)
    case fromController(String, PeerMessage)
}

public enum ControlOutput: Sendable, Equatable {
    case install(FlowRule)
    case remove(FlowRule)
    /// Boxed: the other cases are one rule reference, and outputs are copied several times
    /// on their way out.
    indirect case send(to: String, PeerMessage)
}

public final class FMCController {
    public let id: String
    public let topology: ControlTopology
    /// Networks this controller controls.
    public let controlled: Set<Int>
    /// The controlled networks' switches, for switch events (a few string comparisons).
    private let controlledSwitches: [(switchID: String, network: Int)]
    /// Each network's controller id, and whether it is this one (messages to self are handled
    /// on the spot).
    private let networkIsLocal: [Bool]

    struct HomeRecord {
        var network: Int?  // where the node is, nil = at home
        var locator: IPAddress?
        var correspondents = Set<Int>()
        var homePeers = Set<IPAddress>()
        var pendingRelease = false
    }
    struct ForeignRecord {
        var network: Int
        var locator: IPAddress
        var cnets = Set<Int>()
        var peers = Set<IPAddress>()
        var announcedOnly = false
    }
    struct CorrespondentRecord {
        var cnet: Int
        var locator: IPAddress
        var peers = Set<IPAddress>()
    }
    /// An installed rule with what scans of a node's rules compare, so they do not read the
    /// rules themselves (installed long ago, no longer in cache).
    struct Held {
        var rule: FlowRule
        var fingerprint: UInt64
        var network: Int
        var priority: UInt16
        var kind: RuleKind
        var role: RuleRole
        init(_ r: FlowRule) {
            rule = r
            fingerprint = r.entryFingerprint
            network = r.network
            priority = r.priority
            kind = r.kind
            role = r.role
        }
        @inline(__always) func sameEntry(as r: FlowRule, _ fp: UInt64) -> Bool { fingerprint == fp && rule.sameEntry(as: r) }
    }

    /// Everything this controller knows of one node, in one place: handling a message looks
    /// the node up once and then works on this record.
    struct NodeState {
        var home: HomeRecord?
        /// As foreign controller, per visited network (usually one; two while an announced
        /// move overlaps the current visit).
        var foreign: [ForeignRecord] = []
        /// As correspondent controller, per correspondent network.
        var correspondent: [CorrespondentRecord] = []
        /// Rules installed for the node: a handful, so a short scan finds one and no rule key
        /// is hashed.
        var rules: [Held] = []

        /// Nothing left to remember: the record can go (see `release(_:_:)`).
        var isEmpty: Bool { home == nil && foreign.isEmpty && correspondent.isEmpty && rules.isEmpty }

        func foreignIndex(_ n: Int) -> Int? { foreign.firstIndex { $0.network == n } }
        func correspondentIndex(_ j: Int) -> Int? { correspondent.firstIndex { $0.cnet == j } }
    }

    private let nodeIndex = AddressTable<Int32>(expected: 4096)
    private var nodes: [NodeState] = []
    /// Records given up, for reuse: a foreign or correspondent controller forgets a node that
    /// left, so its memory follows the nodes it serves now, not every node it ever saw.
    private var freeSlots: [Int32] = []
    /// Locator → node, for the centralized controller's `locator-catch` punts (the only reader).
    private var byLocator: [IPAddress: IPAddress] = [:]
    /// Per network: nodes away from it (home role) and visiting it (foreign role), for the
    /// base rules.
    private var homeBase: [Int]
    private var foreignBase: [Int]
    private var nextLocator: [UInt64]
    /// Released locators per network, reused oldest first.
    private var freeLocators: [LocatorQueue]
    /// Base rules (no node) by network and kind.
    private struct BaseKey: Hashable { var network: Int; var kind: RuleKind }
    private var bases: [BaseKey: FlowRule] = [:]
    private var installedCount = 0
    private var foreignCount = 0
    private var correspondentCount = 0
    /// Reused by `uninstallRules`.
    private var scratch: [Held] = []

    /// Every rule this controller has installed.
    public var installed: [FlowRule] { nodes.flatMap { $0.rules.map(\.rule) } + bases.values }

    /// Per-node records held: a controller keeps one for each node it is home to (once it has
    /// moved) and one for each node it serves now as foreign or correspondent controller.
    public var nodeRecords: Int { nodes.count - freeSlots.count }

    /// Where new rules take their storage from, if the driver recycles the rules its switches
    /// drop (see `FlowRulePool`); used on the driver's thread only.
    public var rulePool: FlowRulePool?

    /// Locator allocations that failed because a pool was exhausted.
    public private(set) var exhaustedPools = 0

    public init(id: String, topology: ControlTopology) {
        self.id = id
        self.topology = topology
        controlled = Set(topology.networks.indices.filter { topology.networks[$0].controller == id })
        controlledSwitches = topology.networks.indices.filter { topology.networks[$0].controller == id }.map { (topology.networks[$0].switchID, $0) }
        networkIsLocal = topology.networks.map { $0.controller == id }
        let n = topology.networks.count
        homeBase = [Int](repeating: 0, count: n)
        foreignBase = homeBase
        nextLocator = [UInt64](repeating: 0, count: n)
        freeLocators = [LocatorQueue](repeating: LocatorQueue(), count: n)
    }

    /// Rules that serve migrations (base rules included), as the paper counts "managed rules".
    public var managedRules: Int { installedCount }

    /// ID/LOC mappings this controller holds: as home controller for its away nodes, as
    /// foreign controller for visitors, as correspondent controller per correspondent network.
    public var mappingsHeld: Int { awayNodes + foreignCount + correspondentCount }
    /// Nodes of this controller's home networks that are away (kept as a count, not scanned).
    private var awayNodes = 0

    public func handle(_ input: ControlInput, now: Int64) -> [ControlOutput] {
        var out: [ControlOutput] = []
        process(input, &out)
        return out
    }

    /// The same, appending to `out`: a driver handling millions of messages reuses one buffer.
    public func handle(_ input: ControlInput, now: Int64, into out: inout [ControlOutput]) {
        process(input, &out)
    }

    private func process(_ input: ControlInput, _ out: inout [ControlOutput]) {
        switch input {
        case let .fromSwitch(e): switchEvent(e, &out)
        case let .fromController(_, m): peerMessage(m, &out)
        }
    }

    /// The node's record number, made on first use.
    private func slot(_ node: IPAddress) -> Int {
        if let i = nodeIndex[node] { return Int(i) }
        if let i = freeSlots.popLast() {
            nodeIndex[node] = i
            return Int(i)
        }
        nodeIndex[node] = Int32(nodes.count)
        nodes.append(NodeState())
        return nodes.count - 1
    }

    /// Gives the node's record up when nothing is left in it (its buffers are freed).
    private func release(_ node: IPAddress, _ i: Int) {
        guard nodes[i].isEmpty else { return }
        nodeIndex.remove(node)
        nodes[i] = NodeState()
        freeSlots.append(Int32(i))
    }

    /// The node's record number if it has one.
    private func existing(_ node: IPAddress) -> Int? { nodeIndex[node].map { Int($0) } }

    private func send(_ network: Int, _ m: PeerMessage, _ out: inout [ControlOutput]) {
        if networkIsLocal[network] { peerMessage(m, &out) } else { out.append(.send(to: topology.networks[network].controller, m)) }
    }

    // MARK: - switch events

    private func switchEvent(_ e: SwitchEvent, _ out: inout [ControlOutput]) {
        switch e {
        case let .hostAttached(sw, host):
            guard let n = networkIndex(switch: sw), let h = topology.network(of: host) else { return }
            if h == n {
                // At home (again): the home controller undoes the migration.
                if let i = existing(host), nodes[i].home?.network != nil { returnHome(host, i, &out) }
            } else {
                attachForeign(host, n, &out)
            }
        case .hostDetached:
            // Layer 2 only: rules stay until the node shows up elsewhere (the L2 gap).
            break
        case let .flowRemoved(_, rule):
            ruleExpired(rule)
        case let .packetIn(sw, rule, src, dst):
            guard let n = networkIndex(switch: sw) else { return }
            switch rule {
            case .hsRedirect: homePunt(node: dst, from: src, &out)
            case .fsSend: foreignPunt(node: src, network: n, to: dst, &out)
            case .fsLocalIn: foreignPeerPunt(node: dst, network: n, peer: src, &out)
            case .csToLoc: correspondentPunt(node: dst, cnet: n, peer: src, &out)
            case .locatorCatch:
                // Centralized: m's traffic reached a correspondent network the controller has
                // not mapped yet; src is the locator.
                if let node = byLocator[src], let j = topology.network(of: dst), let h = topology.network(of: node) {
                    send(h, .released(node: node, correspondents: [j]), &out)
                }
            default: break
            }
        }
    }

    private func networkIndex(switch sw: String) -> Int? {
        for c in controlledSwitches where c.switchID == sw { return c.network }
        return nil
    }

    // MARK: - foreign controller

    private func attachForeign(_ node: IPAddress, _ n: Int, _ out: inout [ControlOutput]) {
        let i = slot(node)
        if let f = nodes[i].foreignIndex(n) {
            // An announced move that happened: rules are in place already.
            nodes[i].foreign[f].announcedOnly = false
            return
        }
        guard let loc = allocate(n) else { exhaustedPools += 1; return }
        nodes[i].foreign.append(ForeignRecord(network: n, locator: loc))
        foreignCount += 1
        if !topology.distributed { byLocator[loc] = node }
        installForeign(node, i, n, loc, &out)
        guard let h = topology.network(of: node) else { return }
        send(h, .migrated(node: node, locator: loc, network: n), &out)
    }

    private func installForeign(_ node: IPAddress, _ i: Int, _ n: Int, _ loc: IPAddress, _ out: inout [ControlOutput]) {
        let net = topology.networks[n]
        guard let h = topology.network(of: node) else { return }
        let sw = net.switchID
        let id = FlowMatch.host(node)
        let cookie = cookieFor(node)
        func rule(_ kind: RuleKind, _ prio: UInt16, _ match: FlowMatch, _ actions: FlowActions) -> FlowRule {
            FlowRule(pool: rulePool, switchID: sw, network: n, priority: prio, match: match, actions: actions, kind: kind, role: .foreign, node: node, cookie: cookie)
        }
        foreignBase[n] += 1
        if foreignBase[n] == 1 {
            install(FlowRule(pool: rulePool, switchID: sw, network: n, priority: 10, match: FlowMatch(destination: topology.locatorPool(of: n)),
                             actions: [.output(.controller)], kind: .fsBase, role: .base, node: nil), nil, &out)
        }
        let count = topology.distributed ? topology.delta : topology.beta
        for k in 0..<min(count, 6) {
            let r: FlowRule
            switch k {
            case 0: r = rule(.fsDeliver, 100, FlowMatch(inPort: .core, destination: FlowMatch.host(loc)), [.setDestination(node), .output(.host(node))])
            case 1:
                r = rule(.fsSend, 100, FlowMatch(inPort: .host(node), source: id),
                         topology.distributed ? [.setSource(loc), .output(.core), .output(.controller)] : [.setSource(loc), .output(.core)])
            case 2: r = rule(.fsHome, 150, FlowMatch(inPort: .host(node), source: id, destination: topology.networks[h].prefix), [.setSource(loc), .output(.core)])
            case 3: r = rule(.fsLocalOut, 150, FlowMatch(inPort: .host(node), source: id, destination: net.prefix), [.output(.local)])
            case 4: r = rule(.fsLocalIn, 180, FlowMatch(destination: id), [.output(.host(node)), .output(.controller)])
            default: r = rule(.fsArp, 100, FlowMatch(inPort: .host(node), isARP: true), [.arpReply])
            }
            install(r, i, &out)
        }
    }

    private func foreignPunt(node: IPAddress, network n: Int, to dst: IPAddress, _ out: inout [ControlOutput]) {
        guard let i = existing(node), let f = nodes[i].foreignIndex(n), let j = topology.network(of: dst), let h = topology.network(of: node),
              j != h, j != n, !nodes[i].foreign[f].cnets.contains(j) else { return }
        nodes[i].foreign[f].cnets.insert(j)
        let loc = nodes[i].foreign[f].locator
        send(j, .mapping(node: node, locator: loc, cnet: j), &out)
        install(FlowRule(pool: rulePool, switchID: topology.networks[n].switchID, network: n, priority: 150,
                         match: FlowMatch(inPort: .host(node), source: FlowMatch.host(node), destination: topology.networks[j].prefix),
                         actions: [.setSource(loc), .output(.core)], kind: .fsCnet, role: .foreign,
                         node: node, cookie: cookieFor(node)), i, &out)
    }

    private func foreignPeerPunt(node: IPAddress, network n: Int, peer: IPAddress, _ out: inout [ControlOutput]) {
        guard let i = existing(node), let f = nodes[i].foreignIndex(n), topology.network(of: peer) == n, peer != node,
              !nodes[i].foreign[f].peers.contains(peer) else { return }
        nodes[i].foreign[f].peers.insert(peer)
        install(FlowRule(pool: rulePool, switchID: topology.networks[n].switchID, network: n, priority: 200,
                         match: FlowMatch(inPort: .host(peer), source: FlowMatch.host(peer), destination: FlowMatch.host(node)),
                         actions: [.output(.host(node))], idleTimeout: topology.peerIdleTimeout, kind: .fsPeer,
                         role: .foreign, node: node, cookie: cookieFor(node)), i, &out)
    }

    private func releaseForeign(_ node: IPAddress, _ n: Int, _ out: inout [ControlOutput]) -> [Int] {
        guard let i = existing(node), let f = nodes[i].foreignIndex(n) else { return [] }
        let rec = nodes[i].foreign.remove(at: f)
        foreignCount -= 1
        if !topology.distributed { byLocator[rec.locator] = nil }
        freeLocators[n].push(rec.locator)
        uninstallRules(i, network: n, &out) { $0.role == .foreign }
        foreignBase[n] -= 1
        if foreignBase[n] == 0, let base = bases[BaseKey(network: n, kind: .fsBase)] { uninstall(base, nil, &out) }
        release(node, i)
        return rec.cnets.sorted()
    }

    // MARK: - home controller

    private func homeUpdate(_ node: IPAddress, locator loc: IPAddress, network n: Int, _ out: inout [ControlOutput]) {
        guard let h = topology.network(of: node) else { return }
        let i = slot(node)
        var rec = nodes[i].home ?? HomeRecord()
        nodes[i].home = nil  // worked on here, written back below (no copy of its sets)
        let old = rec.network
        let oldLocator = rec.locator
        rec.network = n
        rec.locator = loc
        let sw = topology.networks[h].switchID
        if old == nil {
            awayNodes += 1
            homeBase[h] += 1
            if homeBase[h] == 1 {
                install(FlowRule(pool: rulePool, switchID: sw, network: h, priority: 10, match: FlowMatch(inPort: .core, destination: topology.networks[h].prefix),
                                 actions: [.output(.local)], kind: .hsBase, role: .base, node: nil), nil, &out)
            }
        }
        if let oldLocator, oldLocator != loc {
            uninstallRules(i, network: h, &out) { $0.kind == .hsRestore }
        }
        installHome(node, i, h, loc, rec.homePeers, &out)
        if let old, old != n { rec.pendingRelease = true }
        let correspondents = rec.correspondents
        nodes[i].home = rec
        if let old, old != n { send(old, .release(node: node, network: old), &out) }
        for j in correspondents.sorted() { send(j, .mapping(node: node, locator: loc, cnet: j), &out) }
    }

    private func installHome(_ node: IPAddress, _ i: Int, _ h: Int, _ loc: IPAddress, _ peers: Set<IPAddress>, _ out: inout [ControlOutput]) {
        let sw = topology.networks[h].switchID
        let id = FlowMatch.host(node)
        let cookie = cookieFor(node)
        for k in 0..<min(topology.alpha, 3) {
            let r: FlowRule
            switch k {
            case 0:
                r = FlowRule(pool: rulePool, switchID: sw, network: h, priority: 180, match: FlowMatch(destination: id),
                             actions: [.setDestination(loc), .output(.core), .output(.controller)], kind: .hsRedirect, role: .home, node: node, cookie: cookie)
            case 1:
                r = FlowRule(pool: rulePool, switchID: sw, network: h, priority: 100, match: FlowMatch(inPort: .core, source: FlowMatch.host(loc)),
                             actions: [.setSource(node), .output(.local)], kind: .hsRestore, role: .home, node: node, cookie: cookie)
            default:
                r = FlowRule(pool: rulePool, switchID: sw, network: h, priority: 100, match: FlowMatch(isARP: true, arpTarget: node),
                             actions: [.arpReply], kind: .hsArpID, role: .home, node: node, cookie: cookie)
            }
            install(r, i, &out)
        }
        if !peers.isEmpty { for p in peers.sorted() { install(homePeerRule(node, h, p, loc), i, &out) } }
    }

    private func homePeerRule(_ node: IPAddress, _ h: Int, _ peer: IPAddress, _ loc: IPAddress) -> FlowRule {
        FlowRule(pool: rulePool, switchID: topology.networks[h].switchID, network: h, priority: 200,
                 match: FlowMatch(inPort: .host(peer), source: FlowMatch.host(peer), destination: FlowMatch.host(node)),
                 actions: [.setDestination(loc), .output(.core)], idleTimeout: topology.peerIdleTimeout,
                 kind: .hsPeer, role: .home, node: node, cookie: cookieFor(node))
    }

    private func homePunt(node: IPAddress, from src: IPAddress, _ out: inout [ControlOutput]) {
        guard let i = existing(node), let rec = nodes[i].home, let n = rec.network, let loc = rec.locator, let h = topology.network(of: node),
              let j = topology.network(of: src) else { return }
        if j == h {
            guard !rec.homePeers.contains(src), src != node else { return }
            nodes[i].home!.homePeers.insert(src)
            install(homePeerRule(node, h, src, loc), i, &out)
        } else if j != n, !rec.correspondents.contains(j) {
            nodes[i].home!.correspondents.insert(j)
            send(j, .mapping(node: node, locator: loc, cnet: j), &out)
        }
    }

    private func returnHome(_ node: IPAddress, _ i: Int, _ out: inout [ControlOutput]) {
        guard var rec = nodes[i].home, let old = rec.network, let h = topology.network(of: node) else { return }
        uninstallRules(i, network: h, &out) { $0.role == .home }
        awayNodes -= 1
        homeBase[h] -= 1
        if homeBase[h] == 0, let base = bases[BaseKey(network: h, kind: .hsBase)] { uninstall(base, nil, &out) }
        let cnets = rec.correspondents.sorted()
        rec.network = nil
        rec.locator = nil
        rec.correspondents = []
        rec.pendingRelease = true
        nodes[i].home = rec
        for j in cnets { send(j, .mapping(node: node, locator: nil, cnet: j), &out) }
        send(old, .release(node: node, network: old), &out)
    }

    // MARK: - correspondent controller

    private func correspondentMapping(_ node: IPAddress, _ loc: IPAddress?, _ j: Int, _ out: inout [ControlOutput]) {
        let sw = topology.networks[j].switchID
        guard let loc else {
            if let i = existing(node) {
                if let c = nodes[i].correspondentIndex(j) {
                    nodes[i].correspondent.remove(at: c)
                    correspondentCount -= 1
                }
                uninstallRules(i, network: j, &out) { $0.role == .correspondent }
                release(node, i)
            }
            return
        }
        let i = slot(node)
        let c: Int
        if let k = nodes[i].correspondentIndex(j) {
            c = k
            if nodes[i].correspondent[c].locator != loc {
                uninstallRules(i, network: j, &out) { $0.kind == .csFromLoc }
            }
            nodes[i].correspondent[c].locator = loc
        } else {
            nodes[i].correspondent.append(CorrespondentRecord(cnet: j, locator: loc))
            correspondentCount += 1
            c = nodes[i].correspondent.count - 1
        }
        let peers = nodes[i].correspondent[c].peers
        let id = FlowMatch.host(node)
        let cookie = cookieFor(node)
        for k in 0..<min(topology.gamma, 3) {
            let r: FlowRule
            switch k {
            case 0:
                r = FlowRule(pool: rulePool, switchID: sw, network: j, priority: 180, match: FlowMatch(destination: id),
                             actions: [.setDestination(loc), .output(.core), .output(.controller)], kind: .csToLoc, role: .correspondent, node: node, cookie: cookie)
            case 1:
                r = FlowRule(pool: rulePool, switchID: sw, network: j, priority: 100, match: FlowMatch(inPort: .core, source: FlowMatch.host(loc)),
                             actions: [.setSource(node), .output(.local)], kind: .csFromLoc, role: .correspondent, node: node, cookie: cookie)
            default:
                r = FlowRule(pool: rulePool, switchID: sw, network: j, priority: 100, match: FlowMatch(inPort: .core, source: id),
                             actions: [.output(.local), .output(.controller)], kind: .csFromID, role: .correspondent, node: node, cookie: cookie)
            }
            install(r, i, &out)
        }
        for p in peers.sorted() { install(correspondentPeerRule(node, j, p, loc), i, &out) }
    }

    private func correspondentPeerRule(_ node: IPAddress, _ j: Int, _ peer: IPAddress, _ loc: IPAddress) -> FlowRule {
        FlowRule(pool: rulePool, switchID: topology.networks[j].switchID, network: j, priority: 200,
                 match: FlowMatch(inPort: .host(peer), source: FlowMatch.host(peer), destination: FlowMatch.host(node)),
                 actions: [.setDestination(loc), .output(.core)], idleTimeout: topology.peerIdleTimeout,
                 kind: .csPeer, role: .correspondent, node: node, cookie: cookieFor(node))
    }

    private func correspondentPunt(node: IPAddress, cnet j: Int, peer: IPAddress, _ out: inout [ControlOutput]) {
        guard let i = existing(node), let c = nodes[i].correspondentIndex(j), topology.network(of: peer) == j,
              !nodes[i].correspondent[c].peers.contains(peer) else { return }
        nodes[i].correspondent[c].peers.insert(peer)
        install(correspondentPeerRule(node, j, peer, nodes[i].correspondent[c].locator), i, &out)
    }

    // MARK: - messages

    private func peerMessage(_ m: PeerMessage, _ out: inout [ControlOutput]) {
        switch m {
        case let .migrated(node, loc, n):
            homeUpdate(node, locator: loc, network: n, &out)
        case let .release(node, n):
            let list = releaseForeign(node, n, &out)
            if let h = topology.network(of: node) { send(h, .released(node: node, correspondents: list), &out) }
        case let .released(node, list):
            guard let i = existing(node), var rec = nodes[i].home else { return }
            nodes[i].home = nil
            rec.pendingRelease = false
            guard let loc = rec.locator, let n = rec.network else { nodes[i].home = rec; return }
            var sends: [Int] = []
            for j in list where !rec.correspondents.contains(j) && j != n {
                rec.correspondents.insert(j)
                sends.append(j)
            }
            nodes[i].home = rec
            for j in sends { send(j, .mapping(node: node, locator: loc, cnet: j), &out) }
        case let .mapping(node, loc, j):
            correspondentMapping(node, loc, j, &out)
        case let .announce(node, n):
            // Proactive: choose the locator and install the foreign rules before the move,
            // and tell HC, so the home and correspondent switches are updated too.
            guard controlled.contains(n), topology.network(of: node) != n else { return }
            if let i = existing(node), nodes[i].foreignIndex(n) != nil { return }
            attachForeign(node, n, &out)
            if let i = existing(node), let f = nodes[i].foreignIndex(n) { nodes[i].foreign[f].announcedOnly = true }
        }
    }

    // MARK: - bookkeeping

    /// Records and emits an install; `i` is the node's record (nil for base rules).
    private func install(_ r: FlowRule, _ i: Int?, _ out: inout [ControlOutput]) {
        if let i {
            let fp = r.entryFingerprint
            if let k = nodes[i].rules.firstIndex(where: { $0.sameEntry(as: r, fp) }) {
                // OpenFlow replaces an entry with the same match and priority.
                if nodes[i].rules[k].rule == r { return }
                nodes[i].rules[k] = Held(r)
            } else {
                nodes[i].rules.append(Held(r))
                installedCount += 1
            }
        } else {
            let key = BaseKey(network: r.network, kind: r.kind)
            if let old = bases[key] {
                if old == r { return }
            } else {
                installedCount += 1
            }
            bases[key] = r
        }
        out.append(.install(r))
    }

    /// Uninstalls the node's rules on network `n`'s switch that pass `filter`, in (priority,
    /// name) order.
    private func uninstallRules(_ i: Int, network n: Int, _ out: inout [ControlOutput], where filter: (Held) -> Bool) {
        scratch.removeAll(keepingCapacity: true)
        nodes[i].rules.removeAll { h in
            guard h.network == n && filter(h) else { return false }
            scratch.append(h)
            return true
        }
        guard !scratch.isEmpty else { return }
        installedCount -= scratch.count
        if scratch.count > 1 { scratch.sort { ($0.priority, RuleKind.nameRank[Int($0.kind.rawValue)]) < ($1.priority, RuleKind.nameRank[Int($1.kind.rawValue)]) } }
        for h in scratch { out.append(.remove(h.rule)) }
        scratch.removeAll(keepingCapacity: true)
    }

    @discardableResult
    private func forget(_ r: FlowRule, _ i: Int?) -> Bool {
        if let i {
            let fp = r.entryFingerprint
            guard let k = nodes[i].rules.firstIndex(where: { $0.sameEntry(as: r, fp) }) else { return false }
            nodes[i].rules.remove(at: k)
        } else {
            let key = BaseKey(network: r.network, kind: r.kind)
            guard let old = bases[key], old.sameEntry(as: r) else { return false }
            bases[key] = nil
        }
        installedCount -= 1
        return true
    }

    private func uninstall(_ r: FlowRule, _ i: Int?, _ out: inout [ControlOutput]) {
        guard forget(r, i) else { return }
        out.append(.remove(r))
    }

    /// A switch removed a rule by itself (idle timeout): forget it, and the peer it served.
    public func ruleExpired(_ r: FlowRule) {
        let i = r.node.flatMap { existing($0) }
        guard forget(r, i), let i, let node = r.node, let peer = r.match.source.map({ $0.address }) else { return }
        defer { release(node, i) }
        switch r.kind {
        case .hsPeer: nodes[i].home?.homePeers.remove(peer)
        case .csPeer:
            if let c = nodes[i].correspondentIndex(r.network) { nodes[i].correspondent[c].peers.remove(peer) }
        case .fsPeer:
            if let f = nodes[i].foreignIndex(r.network) { nodes[i].foreign[f].peers.remove(peer) }
        default: break
        }
    }

    private func allocate(_ n: Int) -> IPAddress? {
        if let a = freeLocators[n].pop() { return a }
        let pool = topology.locatorPool(of: n)
        let hostBits = (pool.address.isIPv4 ? 32 : 128) - pool.length
        let size: UInt64 = hostBits >= 63 ? .max : (1 << UInt64(hostBits))
        let k = nextLocator[n]
        // Skip the pool's last address (broadcast for IPv4).
        guard k + 1 < size else { return nil }
        nextLocator[n] = k + 1
        if pool.address.isIPv4 { return IPAddress(ipv4: pool.address.ipv4Value + UInt32(k)) }
        var a = pool.address
        let (low, carry) = a.low.addingReportingOverflow(k)
        a.low = low
        if carry { a.high &+= 1 }
        return a
    }

    private func cookieFor(_ node: IPAddress) -> UInt64 { node.mix }
}

/// Rules every edge switch gets when it connects, before any migration: not FMC rules, but
/// listed in reports so nothing the switches hold is hidden (docs/fmc-rules.md).
public func infrastructureRules(for n: Int, in topology: ControlTopology) -> [FlowRule] {
    let net = topology.networks[n]
    var rules = [
        FlowRule(switchID: net.switchID, network: n, priority: 5, match: FlowMatch(destination: net.prefix), actions: [.output(.local)],
                 kind: .routeLocal, role: .base, node: nil),
        FlowRule(switchID: net.switchID, network: n, priority: 1, match: FlowMatch(), actions: [.output(.core)], kind: .routeCore, role: .base, node: nil),
        FlowRule(switchID: net.switchID, network: n, priority: 5, match: FlowMatch(isARP: true), actions: [.arpReply], kind: .arpGateway, role: .base, node: nil),
    ]
    if !topology.distributed {
        for (j, _) in topology.networks.enumerated() where j != n {
            rules.append(FlowRule(switchID: net.switchID, network: n, priority: 8, match: FlowMatch(inPort: .core, source: topology.locatorPool(of: j)),
                                  actions: [.output(.local), .output(.controller)], kind: .locatorCatch, role: .base, node: nil))
        }
    }
    return rules
}

/// A first-in first-out queue of locators, popped in place: a busy network frees and reuses
/// thousands, and taking the first element of a plain array moves all the others.
struct LocatorQueue {
    private var items: [IPAddress] = []
    private var head = 0

    mutating func push(_ a: IPAddress) { items.append(a) }

    mutating func pop() -> IPAddress? {
        guard head < items.count else { return nil }
        let a = items[head]
        head += 1
        if head >= 1024 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return a
    }
}
