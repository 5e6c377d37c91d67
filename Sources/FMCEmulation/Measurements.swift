// What a replay measures (DESIGN.md §1): rules per switch, controller and role; install
// latency per flow-mod and per handover; handover loss by cause and outage; triangular
// routing; control messages and controller load. Aggregates are streaming (histograms,
// binned series); per-handover and per-rule detail is kept up to a limit, and the report
// says when it was cut.

import FMCControl
import FMCCore
import FMCMetrics
import FMCScenario

public struct HandoverRecord: Sendable {
    public var node: IPAddress
    public var from: Int?
    public var to: Int
    public var startNs: Int64
    public var linkUpNs: Int64?
    public var locator: IPAddress?
    public var foreignReadyNs: Int64?
    public var homeLocator: IPAddress?
    public var homeReadyNs: Int64?
    public var reachableNs: Int64?
    public var convergedNs: Int64?
    /// Correspondent switches that held the node's mapping when the move began.
    public var expectedCorrespondents: Set<String> = []
    public var updatedCorrespondents: Set<String> = []
    public var lost: [LossCause: Int] = [:]
    public var lostBytes = 0
    public var firstDeliveryNs: Int64?
}

public struct RuleEvent: Sendable {
    public var timeNs: Int64
    public var switchID: String
    public var kind: RuleKind
    public var name: String { kind.name }
    public var role: RuleRole
    public var node: IPAddress?
    public var installed: Bool
    /// Flow-mod sent → effective (installs only).
    public var latencyNs: Int64?
}

public struct TriangularStats: Sendable {
    public var packets = 0
    public var bytes = 0
    public var extraDelay = Histogram()
    /// Stretch ×1000 (histograms hold integers).
    public var stretchMilli = Histogram()
    public var phaseStart: Int64?
    public var phaseLast: Int64?
    public var phases = Histogram()

    mutating func triangular(bytes b: Int, delay: Int64, directDelay: Int64, at t: Int64) {
        packets += 1
        bytes += b
        extraDelay.record(max(0, delay - directDelay))
        if directDelay > 0 { stretchMilli.record(Int64((Double(delay) / Double(directDelay) * 1000).rounded())) }
        if phaseStart == nil { phaseStart = t }
        phaseLast = t
    }

    /// The first direct packet after triangular ones (or the run's end) closes the phase.
    mutating func closePhase(at t: Int64) {
        guard let start = phaseStart else { return }
        phases.record(t - start)
        phaseStart = nil
        phaseLast = nil
    }
}

/// Control-message types, counted in arrays by index (names only when reported).
public enum MessageKind: Int, CaseIterable, Sendable {
    case hostAttached, hostDetached, packetIn, flowMod, migrated, release, released, map, unmap, announce, flowRemoved

    public var name: String {
        switch self {
        case .hostAttached: return "host-attached"
        case .hostDetached: return "host-detached"
        case .packetIn: return "packet-in"
        case .flowMod: return "flow-mod"
        case .migrated: return "migrated"
        case .release: return "release"
        case .released: return "released"
        case .map: return "map"
        case .unmap: return "unmap"
        case .announce: return "announce"
        case .flowRemoved: return "flow-removed"
        }
    }

    public init(_ m: PeerMessage) {
        switch m {
        case .migrated: self = .migrated
        case .release: self = .release
        case .released: self = .released
        case let .mapping(_, l, _): self = l == nil ? .unmap : .map
        case .announce: self = .announce
        }
    }
}

public final class Measurements {
    let scenario: Scenario
    let topology: ControlTopology
    /// Controller ids by index, and each network's controller index (as the emulator numbers them).
    let controllerIDs: [String]
    let networkController: [Int]
    /// Message endpoints: controllers, then switches (by network index).
    let endpointNames: [String]
    public var detailLimit = 10_000

    public var packetsReplayed = 0
    public var bytesReplayed: Int64 = 0
    public var deliveredStationary = 0
    /// Capture packets with neither end in any of the scenario's networks (not replayed).
    public var outsideScenario = 0
    public private(set) var deliveredDirect = 0
    public private(set) var deliveredTriangular = 0
    public private(set) var lostByCause: [LossCause: Int] = [:]
    public private(set) var lostBytesByCause: [LossCause: Int] = [:]
    public private(set) var endToEnd = Histogram()

    /// Per-handover detail: finished handovers, up to `detailLimit` (the rest are counted
    /// in the aggregates only), so memory does not grow with the trace.
    public private(set) var handovers: [HandoverRecord] = []
    public private(set) var handoverCount = 0
    /// What is followed per migrating node: its handover in progress, whether its home
    /// redirect is in place, which correspondent switches
    /// hold its mapping. Nodes are numbered on first sight; the record is found with one
    /// lookup and then worked on in place.
    struct NodeState {
        var open: HandoverRecord?
        var homeRedirect = false
        var correspondentSwitches: Set<String> = []
    }
    private let nodeSlot = AddressTable<Int32>(expected: 4096)
    private var nodes: [NodeState] = []

    private func slot(_ node: IPAddress) -> Int {
        if let i = nodeSlot[node] { return Int(i) }
        nodeSlot.set(node, Int32(nodes.count))
        nodes.append(NodeState())
        return nodes.count - 1
    }
    public private(set) var reachable = Histogram()
    public private(set) var converged = Histogram()
    public private(set) var outage = Histogram()

    public private(set) var installLatency = Histogram()
    public private(set) var removeCount = 0
    /// Removals the switches made themselves (idle timeouts).
    public private(set) var idleExpired = 0
    public private(set) var ruleEvents: [RuleEvent] = []
    public private(set) var ruleEventCount = 0
    public private(set) var perSwitch: [LevelSeries]
    /// Rules per controller, by controller index.
    private var controllerRules: [LevelSeries]
    public var perController: [String: LevelSeries] { byController(controllerRules) }
    private var roleRules = [LevelSeries](repeating: LevelSeries(), count: RuleRole.allCases.count)
    public var perRole: [RuleRole: LevelSeries] {
        Dictionary(uniqueKeysWithValues: RuleRole.allCases.enumerated().map { ($1, roleRules[$0]) })
    }
    /// Rules per rule name, by `RuleKind` (names only when reported).
    private var kindRules = [LevelSeries](repeating: LevelSeries(), count: RuleKind.allCases.count)
    /// The same, keyed by name, for the kinds that were ever installed.
    public var perName: [String: LevelSeries] {
        Dictionary(uniqueKeysWithValues: RuleKind.allCases.filter { kindRules[Int($0.rawValue)].touched }.map { ($0.name, kindRules[Int($0.rawValue)]) })
    }
    public private(set) var total = LevelSeries()

    private var typeCount = [Int](repeating: 0, count: MessageKind.allCases.count)
    private var longTypeCount = [Int](repeating: 0, count: MessageKind.allCases.count)
    /// Messages per endpoint pair, keyed `from * endpoints + to`.
    private var pairCount: PairCounts
    private var longPairCount: PairCounts
    public private(set) var messages = 0
    public private(set) var longDistance = 0
    public var messagesByType: [String: Int] { byType(typeCount) }
    public var longDistanceByType: [String: Int] { byType(longTypeCount) }
    /// "from->to" → messages.
    public var messagesByPair: [String: Int] { byPair(pairCount.nonZero) }
    public var longDistanceByPair: [String: Int] { byPair(longPairCount.nonZero) }
    private var inCount: [Int]
    private var outCount: [Int]
    private var rate: [RateSeries]
    private var mappingLevels: [LevelSeries]
    /// Messages in and out, message rate and ID/LOC mappings held, per controller id.
    public var controllerIn: [String: Int] { byController(inCount) }
    public var controllerOut: [String: Int] { byController(outCount) }
    public var controllerRate: [String: RateSeries] { byController(rate) }
    public var controllerMappings: [String: LevelSeries] { byController(mappingLevels) }

    private func byController<T>(_ values: [T]) -> [String: T] {
        Dictionary(uniqueKeysWithValues: zip(controllerIDs, values))
    }
    private func byType(_ counts: [Int]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: MessageKind.allCases.filter { counts[$0.rawValue] > 0 }.map { ($0.name, counts[$0.rawValue]) })
    }
    private func byPair(_ counts: [Int: Int]) -> [String: Int] {
        let e = endpointNames.count
        return Dictionary(counts.map { ("\(endpointNames[$0.key / e])->\(endpointNames[$0.key % e])", $0.value) }, uniquingKeysWith: +)
    }

    struct PeerNetwork: Hashable {
        var node: IPAddress
        var network: Int
    }
    /// Triangular routing per mobile node and correspondent network (-1: outside every network).
    private var tri: [PeerNetwork: TriangularStats] = [:]
    /// The same, keyed "node|network name".
    public var triangular: [String: TriangularStats] {
        Dictionary(tri.map { ("\($0.key.node)|\($0.key.network >= 0 ? topology.networks[$0.key.network].name : "?")", $0.value) },
                   uniquingKeysWith: { a, _ in a })
    }
    public private(set) var endNs: Int64 = 0

    init(scenario: Scenario, topology: ControlTopology, controllers: [String], networkController: [Int]) {
        self.scenario = scenario
        self.topology = topology
        controllerIDs = controllers
        self.networkController = networkController
        endpointNames = controllers + scenario.networks.map(\.switchID) + ["driver"]
        pairCount = PairCounts(pairs: endpointNames.count * endpointNames.count)
        longPairCount = pairCount
        perSwitch = scenario.networks.map { _ in LevelSeries() }
        controllerRules = controllers.map { _ in LevelSeries() }
        inCount = controllers.map { _ in 0 }
        outCount = inCount
        rate = controllers.map { _ in RateSeries() }
        mappingLevels = controllers.map { _ in LevelSeries() }
    }

    // MARK: - packets

    func lose(_ cause: LossCause, node: IPAddress?, bytes: Int, at t: Int64) {
        lostByCause[cause, default: 0] += 1
        lostBytesByCause[cause, default: 0] += bytes
        if let node, let i = nodeSlot[node].map({ Int($0) }), nodes[i].open != nil {
            nodes[i].open!.lost[cause, default: 0] += 1
            nodes[i].open!.lostBytes += bytes
        }
    }

    func delivered(node: IPAddress, peer: IPAddress, triangular: Bool, bytes: Int, delay: Int64, directDelay: Int64, at t: Int64) {
        endToEnd.record(delay)
        if let i = nodeSlot[node].map({ Int($0) }), let h = nodes[i].open, h.firstDeliveryNs == nil, let up = h.linkUpNs, t >= up {
            nodes[i].open!.firstDeliveryNs = t
            outage.record(t - h.startNs)
        }
        let key = PeerNetwork(node: node, network: topology.network(of: peer) ?? -1)
        if triangular {
            deliveredTriangular += 1
            // Mutated in place: a copy out of the dictionary would copy its histograms.
            tri[key, default: TriangularStats()].triangular(bytes: bytes, delay: delay, directDelay: directDelay, at: t)
        } else {
            deliveredDirect += 1
            if tri[key]?.phaseStart != nil { tri[key]!.closePhase(at: t) }
        }
    }

    // MARK: - handovers

    func handoverStarted(node: IPAddress, from: Int?, to: Int, at t: Int64) {
        handoverCount += 1
        let i = slot(node)
        close(i)
        var r = HandoverRecord(node: node, from: from, to: to, startNs: t)
        r.expectedCorrespondents = nodes[i].correspondentSwitches
        nodes[i].open = r
    }

    func linkUp(node: IPAddress, network: Int, at t: Int64) {
        guard let i = nodeSlot[node].map({ Int($0) }), nodes[i].open != nil else { return }
        nodes[i].open!.linkUpNs = t
        if network == topology.network(of: node) {
            // Home again: reachable as soon as the home switch delivers locally, i.e. when
            // its redirect is gone (checked as rules are removed) or right away if none.
            if !nodes[i].homeRedirect { markReachable(i, t) }
        } else {
            checkReachable(i)
        }
    }


    func checkReachable(_ i: Int) {
        guard let h = nodes[i].open, h.reachableNs == nil, let up = h.linkUpNs, let loc = h.locator, let fs = h.foreignReadyNs,
              let hl = h.homeLocator, hl == loc, let hs = h.homeReadyNs else { return }
        markReachable(i, max(up, fs, hs))
    }

    func markReachable(_ i: Int, _ t: Int64) {
        guard let h = nodes[i].open, h.reachableNs == nil else { return }
        nodes[i].open!.reachableNs = t
        reachable.record(t - h.startNs)
        checkConverged(i, t)
    }

    func checkConverged(_ i: Int, _ t: Int64) {
        guard let h = nodes[i].open, h.convergedNs == nil, let r = h.reachableNs,
              h.expectedCorrespondents.isSubset(of: h.updatedCorrespondents) else { return }
        let at = max(t, r)
        nodes[i].open!.convergedNs = at
        converged.record(at - h.startNs)
    }

    /// A node's handover is over when its next one starts (or the run ends).
    func close(_ i: Int) {
        guard let h = nodes[i].open.take() else { return }
        if handovers.count < detailLimit { handovers.append(h) }
    }

    // MARK: - rules

    func ruleInstalled(_ r: FlowRule, switchIndex n: Int, replaced: Bool, sentAt: Int64, at t: Int64) {
        installLatency.record(t - sentAt)
        if !replaced { level(r, +1, n, t) }
        ruleEventCount += 1
        if ruleEvents.count < detailLimit {
            ruleEvents.append(RuleEvent(timeNs: t, switchID: r.switchID, kind: r.kind, role: r.role, node: r.node, installed: true, latencyNs: t - sentAt))
        }
    }

    func ruleRemoved(_ r: FlowRule, switchIndex n: Int, at t: Int64) {
        removeCount += 1
        level(r, -1, n, t)
        ruleEventCount += 1
        if ruleEvents.count < detailLimit {
            ruleEvents.append(RuleEvent(timeNs: t, switchID: r.switchID, kind: r.kind, role: r.role, node: r.node, installed: false, latencyNs: nil))
        }
        if let node = r.node {
            switch r.kind {
            case .csToLoc:
                let i = slot(node)
                nodes[i].correspondentSwitches.remove(r.switchID)
                if let h = nodes[i].open, topology.network(of: node) == h.to {
                    nodes[i].open!.updatedCorrespondents.insert(r.switchID)
                    checkConverged(i, t)
                }
            case .hsRedirect:
                let i = slot(node)
                nodes[i].homeRedirect = false
                if let h = nodes[i].open, h.to == topology.network(of: node), h.linkUpNs != nil {
                    markReachable(i, t)
                }
            default: break
            }
        }
    }

    func ruleExpired() { idleExpired += 1 }

    func level(_ r: FlowRule, _ d: Int, _ n: Int, _ t: Int64) {
        perSwitch[n].add(d, at: t)
        controllerRules[networkController[n]].add(d, at: t)
        roleRules[RuleRole.index(r.role)].add(d, at: t)
        kindRules[Int(r.kind.rawValue)].add(d, at: t)
        total.add(d, at: t)
    }

    /// Follows the rules that decide when a moved node is reachable and converged.
    func ruleChanged(_ r: FlowRule, switchIndex n: Int, at t: Int64) {
        guard let node = r.node else { return }
        switch r.kind {
        case .fsDeliver:
            guard let i = nodeSlot[node].map({ Int($0) }) else { return }
            if let h = nodes[i].open, h.to == n {
                nodes[i].open!.locator = r.match.destination?.address
                nodes[i].open!.foreignReadyNs = t
                checkReachable(i)
            }
        case .hsRedirect:
            let i = slot(node)
            nodes[i].homeRedirect = true
            for case let .setDestination(loc) in r.actions where nodes[i].open != nil {
                nodes[i].open!.homeLocator = loc
                nodes[i].open!.homeReadyNs = t
                checkReachable(i)
            }
        case .csToLoc:
            let i = slot(node)
            nodes[i].correspondentSwitches.insert(r.switchID)
            for case let .setDestination(loc) in r.actions {
                if let h = nodes[i].open, h.locator == nil || h.locator == loc {
                    nodes[i].open!.updatedCorrespondents.insert(r.switchID)
                    if h.locator != nil { checkConverged(i, t) }
                }
            }
        default: break
        }
    }

    // MARK: - messages

    func message(_ kind: MessageKind, from: Int, to: Int, longDistance ld: Bool) {
        messages += 1
        typeCount[kind.rawValue] += 1
        let pair = from * endpointNames.count + to
        pairCount.add(pair)
        if ld {
            longDistance += 1
            longTypeCount[kind.rawValue] += 1
            longPairCount.add(pair)
        }
    }

    func controllerMessageIn(_ c: Int, at t: Int64) {
        inCount[c] += 1
        rate[c].add(at: t)
    }

    func controllerMessageOut(_ c: Int, at t: Int64) {
        outCount[c] += 1
        rate[c].add(at: t)
    }

    func mappings(_ c: Int, _ n: Int, at t: Int64) {
        let d = n - mappingLevels[c].current
        if d != 0 { mappingLevels[c].add(d, at: t) }
    }

    func finish(at t: Int64) {
        endNs = t
        var waiting: [(IPAddress, Int)] = []
        nodeSlot.forEach { a, i in if nodes[Int(i)].open != nil { waiting.append((a, Int(i))) } }
        for (_, i) in waiting.sorted(by: { $0.0 < $1.0 }) { close(i) }
        for k in tri.keys where tri[k]!.phaseStart != nil { tri[k]!.closePhase(at: tri[k]!.phaseLast!) }
    }

    public var lost: Int { lostByCause.values.reduce(0, +) }
    public var delivered: Int { deliveredStationary + deliveredDirect + deliveredTriangular }
}

/// Message counts per endpoint pair: a flat array while the pairs are few enough (every
/// scenario of a few hundred switches), a dictionary beyond.
struct PairCounts {
    private var flat: [Int]
    private var sparse: [Int: Int] = [:]

    init(pairs: Int) { flat = pairs <= 1 << 20 ? [Int](repeating: 0, count: pairs) : [] }

    @inline(__always)
    mutating func add(_ pair: Int) {
        if pair < flat.count { flat[pair] += 1 } else { sparse[pair, default: 0] += 1 }
    }

    var nonZero: [Int: Int] {
        var out = sparse
        for (i, n) in flat.enumerated() where n > 0 { out[i] = n }
        return out
    }
}
