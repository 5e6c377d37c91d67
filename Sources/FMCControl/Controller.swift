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
    case send(to: String, PeerMessage)
}

public final class FMCController {
    public let id: String
    public let topology: ControlTopology
    /// Networks this controller controls.
    public let controlled: Set<Int>

    struct HomeRecord {
        var network: Int?  // where the node is, nil = at home
        var locator: IPAddress?
        var correspondents = Set<Int>()
        var homePeers = Set<IPAddress>()
        var pendingRelease = false
    }
    struct ForeignKey: Hashable { var node: IPAddress; var network: Int }
    struct ForeignRecord {
        var locator: IPAddress
        var cnets = Set<Int>()
        var peers = Set<IPAddress>()
        var announcedOnly = false
    }
    struct CorrespondentKey: Hashable { var node: IPAddress; var cnet: Int }
    struct CorrespondentRecord {
        var locator: IPAddress
        var peers = Set<IPAddress>()
    }

    private var home: [IPAddress: HomeRecord] = [:]
    private var foreign: [ForeignKey: ForeignRecord] = [:]
    private var correspondent: [CorrespondentKey: CorrespondentRecord] = [:]
    private var byLocator: [IPAddress: IPAddress] = [:]
    private var homeBase: [Int: Int] = [:]  // network -> away nodes
    private var foreignBase: [Int: Int] = [:]  // network -> visiting nodes
    private var nextLocator: [Int: UInt64] = [:]
    /// Released locators per network, reused oldest first.
    private var freeLocators: [Int: LocatorQueue] = [:]
    /// Rules currently installed by this controller (what it "manages"), by the node they
    /// serve: a node has a handful, so a short scan finds one and no rule key is hashed.
    private var byNode: [IPAddress: [FlowRule]] = [:]
    /// Base rules (no node) by switch and name.
    private struct BaseKey: Hashable { var network: Int; var kind: RuleKind }
    private var bases: [BaseKey: FlowRule] = [:]
    private var installedCount = 0

    /// Every rule this controller has installed.
    public var installed: [FlowRule] { byNode.values.flatMap { $0 } + bases.values }

    /// Installed rules of `node` on switch `sw` passing `filter`.
    private func rules(of node: IPAddress, on sw: String, _ filter: (FlowRule) -> Bool) -> [FlowRule] {
        (byNode[node] ?? []).filter { $0.switchID == sw && filter($0) }
            .sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
    }
    /// Locator allocations that failed because a pool was exhausted.
    public private(set) var exhaustedPools = 0

    public init(id: String, topology: ControlTopology) {
        self.id = id
        self.topology = topology
        controlled = Set(topology.networks.indices.filter { topology.networks[$0].controller == id })
    }

    /// Rules that serve migrations (base rules included), as the paper counts "managed rules".
    public var managedRules: Int { installedCount }

    /// ID/LOC mappings this controller holds: as home controller for its away nodes, as
    /// foreign controller for visitors, as correspondent controller per correspondent network.
    public var mappingsHeld: Int { awayNodes + foreign.count + correspondent.count }
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

    private func send(_ network: Int, _ m: PeerMessage, _ out: inout [ControlOutput]) {
        let to = topology.networks[network].controller
        if to == id { peerMessage(m, &out) } else { out.append(.send(to: to, m)) }
    }

    // MARK: - switch events

    private func switchEvent(_ e: SwitchEvent, _ out: inout [ControlOutput]) {
        switch e {
        case let .hostAttached(sw, host):
            guard let n = networkIndex(switch: sw), let h = topology.network(of: host) else { return }
            if h == n {
                // At home (again): the home controller undoes the migration.
                if let rec = home[host], rec.network != nil { returnHome(host, &out) }
            } else {
                attachForeign(host, n, &out)
            }
        case .hostDetached:
            // Layer 2 only: rules stay until the node shows up elsewhere (the L2 gap).
            break
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
        controlled.first { topology.networks[$0].switchID == sw }
    }

    // MARK: - foreign controller

    private func attachForeign(_ node: IPAddress, _ n: Int, _ out: inout [ControlOutput]) {
        let key = ForeignKey(node: node, network: n)
        if var rec = foreign[key] {
            if rec.announcedOnly {
                // The announced move happened: rules are in place already.
                rec.announcedOnly = false
                foreign[key] = rec
            }
            return
        }
        guard let loc = allocate(n) else { exhaustedPools += 1; return }
        foreign[key] = ForeignRecord(locator: loc)
        byLocator[loc] = node
        installForeign(node, n, loc, &out)
        guard let h = topology.network(of: node) else { return }
        send(h, .migrated(node: node, locator: loc, network: n), &out)
    }

    private func installForeign(_ node: IPAddress, _ n: Int, _ loc: IPAddress, _ out: inout [ControlOutput]) {
        let net = topology.networks[n]
        guard let h = topology.network(of: node) else { return }
        let sw = net.switchID
        let id = FlowMatch.host(node)
        let cookie = cookieFor(node)
        func rule(_ kind: RuleKind, _ prio: UInt16, _ match: FlowMatch, _ actions: [FlowAction]) -> FlowRule {
            FlowRule(switchID: sw, network: n, priority: prio, match: match, actions: actions, kind: kind, role: .foreign, node: node, cookie: cookie)
        }
        foreignBase[n, default: 0] += 1
        if foreignBase[n] == 1 {
            install(FlowRule(switchID: sw, network: n, priority: 10, match: FlowMatch(destination: topology.locatorPool(of: n)),
                             actions: [.output(.controller)], kind: .fsBase, role: .base, node: nil), &out)
        }
        let sendActions: [FlowAction] = topology.distributed
            ? [.setSource(loc), .output(.core), .output(.controller)] : [.setSource(loc), .output(.core)]
        for r in [
            rule(.fsDeliver, 100, FlowMatch(inPort: .core, destination: FlowMatch.host(loc)), [.setDestination(node), .output(.host(node))]),
            rule(.fsSend, 100, FlowMatch(inPort: .host(node), source: id), sendActions),
            rule(.fsHome, 150, FlowMatch(inPort: .host(node), source: id, destination: topology.networks[h].prefix), [.setSource(loc), .output(.core)]),
            rule(.fsLocalOut, 150, FlowMatch(inPort: .host(node), source: id, destination: net.prefix), [.output(.local)]),
            rule(.fsLocalIn, 180, FlowMatch(destination: id), [.output(.host(node)), .output(.controller)]),
            rule(.fsArp, 100, FlowMatch(inPort: .host(node), isARP: true), [.arpReply]),
        ].prefix(topology.distributed ? topology.delta : topology.beta) {
            install(r, &out)
        }
    }

    private func foreignPunt(node: IPAddress, network n: Int, to dst: IPAddress, _ out: inout [ControlOutput]) {
        let key = ForeignKey(node: node, network: n)
        guard var rec = foreign[key], let j = topology.network(of: dst), let h = topology.network(of: node),
              j != h, j != n, !rec.cnets.contains(j) else { return }
        rec.cnets.insert(j)
        foreign[key] = rec
        send(j, .mapping(node: node, locator: rec.locator, cnet: j), &out)
        install(FlowRule(switchID: topology.networks[n].switchID, network: n, priority: 150,
                         match: FlowMatch(inPort: .host(node), source: FlowMatch.host(node), destination: topology.networks[j].prefix),
                         actions: [.setSource(rec.locator), .output(.core)], kind: .fsCnet, role: .foreign,
                         node: node, cookie: cookieFor(node)), &out)
    }

    private func foreignPeerPunt(node: IPAddress, network n: Int, peer: IPAddress, _ out: inout [ControlOutput]) {
        let key = ForeignKey(node: node, network: n)
        guard var rec = foreign[key], topology.network(of: peer) == n, peer != node, !rec.peers.contains(peer) else { return }
        rec.peers.insert(peer)
        foreign[key] = rec
        install(FlowRule(switchID: topology.networks[n].switchID, network: n, priority: 200,
                         match: FlowMatch(inPort: .host(peer), source: FlowMatch.host(peer), destination: FlowMatch.host(node)),
                         actions: [.output(.host(node))], idleTimeout: topology.peerIdleTimeout, kind: .fsPeer,
                         role: .foreign, node: node, cookie: cookieFor(node)), &out)
    }

    private func releaseForeign(_ node: IPAddress, _ n: Int, _ out: inout [ControlOutput]) -> [Int] {
        let key = ForeignKey(node: node, network: n)
        guard let rec = foreign.removeValue(forKey: key) else { return [] }
        byLocator[rec.locator] = nil
        freeLocators[n, default: LocatorQueue()].push(rec.locator)
        let sw = topology.networks[n].switchID
        for r in rules(of: node, on: sw, { $0.role == .foreign }) { uninstall(r, &out) }
        foreignBase[n, default: 1] -= 1
        if foreignBase[n] == 0, let base = bases[BaseKey(network: n, kind: .fsBase)] { uninstall(base, &out) }
        return rec.cnets.sorted()
    }

    // MARK: - home controller

    private func homeUpdate(_ node: IPAddress, locator loc: IPAddress, network n: Int, _ out: inout [ControlOutput]) {
        guard let h = topology.network(of: node) else { return }
        var rec = home[node] ?? HomeRecord()
        let old = rec.network
        let oldLocator = rec.locator
        rec.network = n
        rec.locator = loc
        home[node] = rec
        let sw = topology.networks[h].switchID
        if old == nil {
            awayNodes += 1
            homeBase[h, default: 0] += 1
            if homeBase[h] == 1 {
                install(FlowRule(switchID: sw, network: h, priority: 10, match: FlowMatch(inPort: .core, destination: topology.networks[h].prefix),
                                 actions: [.output(.local)], kind: .hsBase, role: .base, node: nil), &out)
            }
        }
        if let oldLocator, oldLocator != loc {
            for r in rules(of: node, on: sw, { $0.kind == .hsRestore }) { uninstall(r, &out) }
        }
        installHome(node, h, loc, rec.homePeers, &out)
        if let old, old != n {
            rec.pendingRelease = true
            home[node] = rec
            send(old, .release(node: node, network: old), &out)
        }
        for j in rec.correspondents.sorted() { send(j, .mapping(node: node, locator: loc, cnet: j), &out) }
    }

    private func installHome(_ node: IPAddress, _ h: Int, _ loc: IPAddress, _ peers: Set<IPAddress>, _ out: inout [ControlOutput]) {
        let sw = topology.networks[h].switchID
        let id = FlowMatch.host(node)
        let cookie = cookieFor(node)
        let generic = [
            FlowRule(switchID: sw, network: h, priority: 180, match: FlowMatch(destination: id),
                     actions: [.setDestination(loc), .output(.core), .output(.controller)], kind: .hsRedirect, role: .home, node: node, cookie: cookie),
            FlowRule(switchID: sw, network: h, priority: 100, match: FlowMatch(inPort: .core, source: FlowMatch.host(loc)),
                     actions: [.setSource(node), .output(.local)], kind: .hsRestore, role: .home, node: node, cookie: cookie),
            FlowRule(switchID: sw, network: h, priority: 100, match: FlowMatch(isARP: true, arpTarget: node),
                     actions: [.arpReply], kind: .hsArpID, role: .home, node: node, cookie: cookie),
        ]
        for r in generic.prefix(topology.alpha) { install(r, &out) }
        for p in peers.sorted() { install(homePeerRule(node, h, p, loc), &out) }
    }

    private func homePeerRule(_ node: IPAddress, _ h: Int, _ peer: IPAddress, _ loc: IPAddress) -> FlowRule {
        FlowRule(switchID: topology.networks[h].switchID, network: h, priority: 200,
                 match: FlowMatch(inPort: .host(peer), source: FlowMatch.host(peer), destination: FlowMatch.host(node)),
                 actions: [.setDestination(loc), .output(.core)], idleTimeout: topology.peerIdleTimeout,
                 kind: .hsPeer, role: .home, node: node, cookie: cookieFor(node))
    }

    private func homePunt(node: IPAddress, from src: IPAddress, _ out: inout [ControlOutput]) {
        guard var rec = home[node], let n = rec.network, let loc = rec.locator, let h = topology.network(of: node),
              let j = topology.network(of: src) else { return }
        if j == h {
            guard !rec.homePeers.contains(src), src != node else { return }
            rec.homePeers.insert(src)
            home[node] = rec
            install(homePeerRule(node, h, src, loc), &out)
        } else if j != n, !rec.correspondents.contains(j) {
            rec.correspondents.insert(j)
            home[node] = rec
            send(j, .mapping(node: node, locator: loc, cnet: j), &out)
        }
    }

    private func returnHome(_ node: IPAddress, _ out: inout [ControlOutput]) {
        guard var rec = home[node], let old = rec.network, let h = topology.network(of: node) else { return }
        let sw = topology.networks[h].switchID
        for r in rules(of: node, on: sw, { $0.role == .home }) { uninstall(r, &out) }
        awayNodes -= 1
        homeBase[h, default: 1] -= 1
        if homeBase[h] == 0, let base = bases[BaseKey(network: h, kind: .hsBase)] { uninstall(base, &out) }
        let cnets = rec.correspondents.sorted()
        rec.network = nil
        rec.locator = nil
        rec.correspondents = []
        rec.pendingRelease = true
        home[node] = rec
        for j in cnets { send(j, .mapping(node: node, locator: nil, cnet: j), &out) }
        send(old, .release(node: node, network: old), &out)
    }

    // MARK: - correspondent controller

    private func correspondentMapping(_ node: IPAddress, _ loc: IPAddress?, _ j: Int, _ out: inout [ControlOutput]) {
        let key = CorrespondentKey(node: node, cnet: j)
        let sw = topology.networks[j].switchID
        guard let loc else {
            correspondent[key] = nil
            for r in rules(of: node, on: sw, { $0.role == .correspondent }) { uninstall(r, &out) }
            return
        }
        var rec = correspondent[key] ?? CorrespondentRecord(locator: loc)
        if rec.locator != loc {
            for r in rules(of: node, on: sw, { $0.kind == .csFromLoc }) { uninstall(r, &out) }
        }
        rec.locator = loc
        correspondent[key] = rec
        let id = FlowMatch.host(node)
        let cookie = cookieFor(node)
        let generic = [
            FlowRule(switchID: sw, network: j, priority: 180, match: FlowMatch(destination: id),
                     actions: [.setDestination(loc), .output(.core), .output(.controller)], kind: .csToLoc, role: .correspondent, node: node, cookie: cookie),
            FlowRule(switchID: sw, network: j, priority: 100, match: FlowMatch(inPort: .core, source: FlowMatch.host(loc)),
                     actions: [.setSource(node), .output(.local)], kind: .csFromLoc, role: .correspondent, node: node, cookie: cookie),
            FlowRule(switchID: sw, network: j, priority: 100, match: FlowMatch(inPort: .core, source: id),
                     actions: [.output(.local), .output(.controller)], kind: .csFromID, role: .correspondent, node: node, cookie: cookie),
        ]
        for r in generic.prefix(topology.gamma) { install(r, &out) }
        for p in rec.peers.sorted() { install(correspondentPeerRule(node, j, p, loc), &out) }
    }

    private func correspondentPeerRule(_ node: IPAddress, _ j: Int, _ peer: IPAddress, _ loc: IPAddress) -> FlowRule {
        FlowRule(switchID: topology.networks[j].switchID, network: j, priority: 200,
                 match: FlowMatch(inPort: .host(peer), source: FlowMatch.host(peer), destination: FlowMatch.host(node)),
                 actions: [.setDestination(loc), .output(.core)], idleTimeout: topology.peerIdleTimeout,
                 kind: .csPeer, role: .correspondent, node: node, cookie: cookieFor(node))
    }

    private func correspondentPunt(node: IPAddress, cnet j: Int, peer: IPAddress, _ out: inout [ControlOutput]) {
        let key = CorrespondentKey(node: node, cnet: j)
        guard var rec = correspondent[key], topology.network(of: peer) == j, !rec.peers.contains(peer) else { return }
        rec.peers.insert(peer)
        correspondent[key] = rec
        install(correspondentPeerRule(node, j, peer, rec.locator), &out)
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
            guard var rec = home[node] else { return }
            rec.pendingRelease = false
            guard let loc = rec.locator, let n = rec.network else { home[node] = rec; return }
            for j in list where !rec.correspondents.contains(j) && j != n {
                rec.correspondents.insert(j)
                send(j, .mapping(node: node, locator: loc, cnet: j), &out)
            }
            home[node] = rec
        case let .mapping(node, loc, j):
            correspondentMapping(node, loc, j, &out)
        case let .announce(node, n):
            // Proactive: choose the locator and install the foreign rules before the move,
            // and tell HC, so the home and correspondent switches are updated too.
            guard controlled.contains(n), topology.network(of: node) != n else { return }
            let key = ForeignKey(node: node, network: n)
            guard foreign[key] == nil else { return }
            attachForeign(node, n, &out)
            foreign[key]?.announcedOnly = true
        }
    }

    // MARK: - bookkeeping

    private func install(_ r: FlowRule, _ out: inout [ControlOutput]) {
        if let n = r.node {
            if let i = byNode[n]?.firstIndex(where: { $0.sameEntry(as: r) }) {
                // OpenFlow replaces an entry with the same match and priority.
                if byNode[n]![i] == r { return }
                byNode[n]![i] = r
            } else {
                byNode[n, default: []].append(r)
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

    @discardableResult
    private func forget(_ r: FlowRule) -> Bool {
        if let n = r.node {
            guard let i = byNode[n]?.firstIndex(where: { $0.sameEntry(as: r) }) else { return false }
            if byNode[n]!.count == 1 { byNode[n] = nil } else { byNode[n]!.remove(at: i) }
        } else {
            let key = BaseKey(network: r.network, kind: r.kind)
            guard let old = bases[key], old.sameEntry(as: r) else { return false }
            bases[key] = nil
        }
        installedCount -= 1
        return true
    }

    private func uninstall(_ r: FlowRule, _ out: inout [ControlOutput]) {
        guard forget(r) else { return }
        out.append(.remove(r))
    }

    /// A switch removed a rule by itself (idle timeout): forget it, and the peer it served.
    public func ruleExpired(_ r: FlowRule) {
        guard forget(r), let node = r.node, let peer = r.match.source.map({ $0.address }) else { return }
        switch r.kind {
        case .hsPeer: home[node]?.homePeers.remove(peer)
        case .csPeer:
            if let j = networkIndex(switch: r.switchID) { correspondent[CorrespondentKey(node: node, cnet: j)]?.peers.remove(peer) }
        case .fsPeer:
            if let n = networkIndex(switch: r.switchID) { foreign[ForeignKey(node: node, network: n)]?.peers.remove(peer) }
        default: break
        }
    }

    private func allocate(_ n: Int) -> IPAddress? {
        if let a = freeLocators[n]?.pop() { return a }
        let pool = topology.locatorPool(of: n)
        let hostBits = (pool.address.isIPv4 ? 32 : 128) - pool.length
        let size: UInt64 = hostBits >= 63 ? .max : (1 << UInt64(hostBits))
        let k = nextLocator[n, default: 0]
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
