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
    public var name: String
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
}

public final class Measurements {
    let scenario: Scenario
    let topology: ControlTopology
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
    /// Handovers still in progress, by node.
    var open: [IPAddress: HandoverRecord] = [:]
    public private(set) var reachable = Histogram()
    public private(set) var converged = Histogram()
    public private(set) var outage = Histogram()
    var failover: [IPAddress: Int64] = [:]

    public private(set) var installLatency = Histogram()
    public private(set) var removeCount = 0
    public private(set) var ruleEvents: [RuleEvent] = []
    public private(set) var ruleEventCount = 0
    public private(set) var perSwitch: [LevelSeries]
    public private(set) var perController: [String: LevelSeries] = [:]
    public private(set) var perRole: [RuleRole: LevelSeries] = [:]
    public private(set) var perName: [String: LevelSeries] = [:]
    public private(set) var total = LevelSeries()

    public private(set) var messagesByType: [String: Int] = [:]
    public private(set) var messagesByPair: [String: Int] = [:]
    public private(set) var messages = 0
    public private(set) var longDistance = 0
    public private(set) var longDistanceByType: [String: Int] = [:]
    /// Long-distance messages by "from->to" endpoint pair.
    public private(set) var longDistanceByPair: [String: Int] = [:]
    public private(set) var controllerIn: [String: Int] = [:]
    public private(set) var controllerOut: [String: Int] = [:]
    public private(set) var controllerRate: [String: RateSeries] = [:]
    public private(set) var controllerMappings: [String: LevelSeries] = [:]

    public private(set) var triangular: [String: TriangularStats] = [:]
    public private(set) var endNs: Int64 = 0

    init(scenario: Scenario, topology: ControlTopology) {
        self.scenario = scenario
        self.topology = topology
        perSwitch = scenario.networks.map { _ in LevelSeries() }
        for c in scenario.controllers { perController[c.id] = LevelSeries() }
    }

    // MARK: - packets

    func lose(_ cause: LossCause, node: IPAddress?, bytes: Int, at t: Int64) {
        lostByCause[cause, default: 0] += 1
        lostBytesByCause[cause, default: 0] += bytes
        if let node, open[node] != nil {
            open[node]!.lost[cause, default: 0] += 1
            open[node]!.lostBytes += bytes
        }
    }

    func delivered(node: IPAddress, peer: IPAddress, triangular tri: Bool, bytes: Int, delay: Int64, directDelay: Int64, at t: Int64) {
        endToEnd.record(delay)
        if let h = open[node], h.firstDeliveryNs == nil, let up = h.linkUpNs, t >= up {
            open[node]!.firstDeliveryNs = t
            outage.record(t - h.startNs)
        }
        let cnet = topology.network(of: peer).map { topology.networks[$0].name } ?? "?"
        let key = "\(node)|\(cnet)"
        if tri {
            deliveredTriangular += 1
            var s = triangular[key] ?? TriangularStats()
            s.packets += 1
            s.bytes += bytes
            s.extraDelay.record(max(0, delay - directDelay))
            if directDelay > 0 { s.stretchMilli.record(Int64((Double(delay) / Double(directDelay) * 1000).rounded())) }
            if s.phaseStart == nil { s.phaseStart = t }
            s.phaseLast = t
            triangular[key] = s
        } else {
            deliveredDirect += 1
            if var s = triangular[key], let start = s.phaseStart {
                // The first direct packet after triangular ones closes the phase.
                s.phases.record(t - start)
                s.phaseStart = nil
                s.phaseLast = nil
                triangular[key] = s
            }
        }
    }

    // MARK: - handovers

    func handoverStarted(node: IPAddress, from: Int?, to: Int, at t: Int64) {
        handoverCount += 1
        close(node)
        var r = HandoverRecord(node: node, from: from, to: to, startNs: t)
        r.expectedCorrespondents = Set(correspondentSwitches[node] ?? [])
        open[node] = r
    }

    /// Correspondent switches currently holding a node's mapping.
    var correspondentSwitches: [IPAddress: Set<String>] = [:]

    func linkUp(node: IPAddress, network: Int, at t: Int64) {
        guard open[node] != nil else { return }
        open[node]!.linkUpNs = t
        if network == topology.network(of: node) {
            // Home again: reachable as soon as the home switch delivers locally, i.e. when
            // its redirect is gone (checked as rules are removed) or right away if none.
            if !(homeRedirectPresent[node] ?? false) { markReachable(node, t) }
        } else {
            checkReachable(node)
        }
    }

    var homeRedirectPresent: [IPAddress: Bool] = [:]

    func failoverAt(node: IPAddress, at t: Int64) { failover[node] = t }
    func failoverTime(node: IPAddress?) -> Int64? { node.flatMap { failover[$0] } }

    func checkReachable(_ node: IPAddress) {
        guard let h = open[node], h.reachableNs == nil, let up = h.linkUpNs, let loc = h.locator, let fs = h.foreignReadyNs,
              let hl = h.homeLocator, hl == loc, let hs = h.homeReadyNs else { return }
        markReachable(node, max(up, fs, hs))
    }

    func markReachable(_ node: IPAddress, _ t: Int64) {
        guard let h = open[node], h.reachableNs == nil else { return }
        open[node]!.reachableNs = t
        reachable.record(t - h.startNs)
        checkConverged(node, t)
    }

    func checkConverged(_ node: IPAddress, _ t: Int64) {
        guard let h = open[node], h.convergedNs == nil, let r = h.reachableNs,
              h.expectedCorrespondents.isSubset(of: h.updatedCorrespondents) else { return }
        let at = max(t, r)
        open[node]!.convergedNs = at
        converged.record(at - h.startNs)
    }

    /// A node's handover is over when its next one starts (or the run ends).
    func close(_ node: IPAddress) {
        guard let h = open.removeValue(forKey: node) else { return }
        if handovers.count < detailLimit { handovers.append(h) }
    }

    // MARK: - rules

    func ruleInstalled(_ r: FlowRule, switchIndex n: Int, replaced: Bool, sentAt: Int64, at t: Int64) {
        installLatency.record(t - sentAt)
        if !replaced { level(r, +1, n, t) }
        ruleEventCount += 1
        if ruleEvents.count < detailLimit {
            ruleEvents.append(RuleEvent(timeNs: t, switchID: r.switchID, name: r.name, role: r.role, node: r.node, installed: true, latencyNs: t - sentAt))
        }
    }

    func ruleRemoved(_ r: FlowRule, switchIndex n: Int, at t: Int64) {
        removeCount += 1
        level(r, -1, n, t)
        ruleEventCount += 1
        if ruleEvents.count < detailLimit {
            ruleEvents.append(RuleEvent(timeNs: t, switchID: r.switchID, name: r.name, role: r.role, node: r.node, installed: false, latencyNs: nil))
        }
        if let node = r.node {
            switch r.name {
            case "cs-to-loc":
                correspondentSwitches[node]?.remove(r.switchID)
                if let h = open[node], topology.network(of: node) == h.to {
                    open[node]!.updatedCorrespondents.insert(r.switchID)
                    checkConverged(node, t)
                }
            case "hs-redirect":
                homeRedirectPresent[node] = false
                if let h = open[node], h.to == topology.network(of: node), h.linkUpNs != nil {
                    markReachable(node, t)
                }
            default: break
            }
        }
    }

    func level(_ r: FlowRule, _ d: Int, _ n: Int, _ t: Int64) {
        perSwitch[n].add(d, at: t)
        perController[topology.networks[n].controller, default: LevelSeries()].add(d, at: t)
        perRole[r.role, default: LevelSeries()].add(d, at: t)
        perName[r.name, default: LevelSeries()].add(d, at: t)
        total.add(d, at: t)
    }

    /// Follows the rules that decide when a moved node is reachable and converged.
    func ruleChanged(_ r: FlowRule, at t: Int64, tables: [FlowTable]) {
        guard let node = r.node else { return }
        switch r.name {
        case "fs-deliver":
            if let h = open[node], scenario.networks[h.to].switchID == r.switchID {
                open[node]!.locator = r.match.destination?.address
                open[node]!.foreignReadyNs = t
                checkReachable(node)
            }
        case "hs-redirect":
            homeRedirectPresent[node] = true
            for case let .setDestination(loc) in r.actions where open[node] != nil {
                open[node]!.homeLocator = loc
                open[node]!.homeReadyNs = t
                checkReachable(node)
            }
        case "cs-to-loc":
            correspondentSwitches[node, default: []].insert(r.switchID)
            for case let .setDestination(loc) in r.actions {
                if let h = open[node], h.locator == nil || h.locator == loc {
                    open[node]!.updatedCorrespondents.insert(r.switchID)
                    if h.locator != nil { checkConverged(node, t) }
                }
            }
        default: break
        }
    }

    // MARK: - messages

    func message(type: String, from: String, to: String, longDistance ld: Bool, at t: Int64) {
        messages += 1
        messagesByType[type, default: 0] += 1
        messagesByPair["\(from)->\(to)", default: 0] += 1
        if ld {
            longDistance += 1
            longDistanceByType[type, default: 0] += 1
            longDistanceByPair["\(from)->\(to)", default: 0] += 1
        }
    }

    func controllerMessageIn(_ c: String, at t: Int64) {
        controllerIn[c, default: 0] += 1
        controllerRate[c, default: RateSeries()].add(at: t)
    }

    func controllerMessageOut(_ c: String, at t: Int64) {
        controllerOut[c, default: 0] += 1
        controllerRate[c, default: RateSeries()].add(at: t)
    }

    func mappings(_ c: String, _ n: Int, at t: Int64) {
        var s = controllerMappings[c] ?? LevelSeries()
        s.add(n - s.current, at: t)
        controllerMappings[c] = s
    }

    func finish(at t: Int64) {
        endNs = t
        for node in open.keys.sorted() { close(node) }
        for (k, var s) in triangular where s.phaseStart != nil {
            s.phases.record(s.phaseLast! - s.phaseStart!)
            s.phaseStart = nil
            triangular[k] = s
        }
    }

    public var lost: Int { lostByCause.values.reduce(0, +) }
    public var delivered: Int { deliveredStationary + deliveredDirect + deliveredTriangular }
}
