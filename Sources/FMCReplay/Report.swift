// report.json: what a replay measured, for machines (schema in docs/report.schema.json).
// Deterministic: keys in a fixed order, maps sorted, numbers printed one way, so the same
// inputs and seed give the same bytes.

import FMCControl
import FMCCore
import FMCEmulation
import FMCMetrics
import FMCScenario
import Foundation

public enum ReplayReport {
    public static let schema = "fmc-report/1"

    static func ms(_ ns: Double?) -> JSON {
        guard let ns else { return .null }
        return .double((ns / 1e3).rounded() / 1e3)
    }

    static func quantiles(_ h: Histogram, _ qs: [(String, Double)]) -> JSON {
        var f: [(String, JSON)] = qs.map { ($0.0, ms(h.quantile($0.1))) }
        f.append(("count", .int(Int64(h.count))))
        return .object(f)
    }

    static func sortedObject(_ d: [String: Int]) -> JSON {
        .object(d.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })
    }

    public static func json(_ r: ReplayResult) -> JSON {
        let e = r.emulator
        let m = e.metrics
        let s = e.scenario
        let settings = e.settings
        var perSwitch: [(String, JSON)] = []
        for (i, n) in s.networks.enumerated() { perSwitch.append((n.switchID, .int(m.perSwitch[i].peak))) }
        let perController = m.perController.sorted { $0.key < $1.key }.map { ($0.key, JSON.int($0.value.peak)) }
        let perRole = RuleRole.allCases.map { ($0.rawValue, JSON.int(m.perRole[$0]?.peak ?? 0)) }
        let perName = m.perName.sorted { $0.key < $1.key }.map { ($0.key, JSON.int($0.value.peak)) }
        var triBytes = 0
        var extra = Histogram(), stretch = Histogram(), phases = Histogram()
        for (_, t) in m.triangular {
            triBytes += t.bytes
            extra.merge(t.extraDelay)
            stretch.merge(t.stretchMilli)
            phases.merge(t.phases)
        }
        let lostByCause = LossCause.allCases.map { ($0.rawValue, JSON.int(m.lostByCause[$0] ?? 0)) }
        let summary: JSON = .object([
            ("handovers", .int(m.handoverCount)),
            ("rules", .object([
                ("peak_total", .int(m.total.peak)),
                ("per_switch_peak", .object(perSwitch)),
                ("per_controller_peak", .object(perController)),
                ("per_role_peak", .object(perRole)),
                ("per_name_peak", .object(perName)),
                ("installs", .int(Int64(m.installLatency.count))),
                ("removals", .int(m.removeCount)),
                ("idle_expired", .int(m.idleExpired)),
            ])),
            ("install_latency_ms", quantiles(m.installLatency, [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1)])),
            ("handover", .object([
                ("reachable_ms", quantiles(m.reachable, [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1)])),
                ("converged_ms", quantiles(m.converged, [("p50", 0.5), ("p99", 0.99), ("max", 1)])),
                ("outage_ms", quantiles(m.outage, [("p50", 0.5), ("p99", 0.99), ("max", 1)])),
            ])),
            ("packets", .object([
                ("replayed", .int(m.packetsReplayed)),
                ("delivered", .int(m.delivered)),
                ("delivered_direct", .int(m.deliveredDirect + m.deliveredStationary)),
                ("triangular", .int(m.deliveredTriangular)),
                ("lost", .int(m.lost)),
                ("lost_by_cause", .object(lostByCause)),
                ("lost_bytes", .int(m.lostBytesByCause.values.reduce(0, +))),
            ])),
            ("triangular", .object([
                ("packets", .int(m.deliveredTriangular)),
                ("bytes", .int(triBytes)),
                ("extra_delay_ms_p50", ms(extra.quantile(0.5))),
                ("extra_delay_ms_p99", ms(extra.quantile(0.99))),
                ("stretch_p50", stretch.quantile(0.5).map { .double(($0 / 1000 * 1000).rounded() / 1000) } ?? .null),
                ("phase_ms_p50", ms(phases.quantile(0.5))),
                ("phases", .int(Int64(phases.count))),
            ])),
            ("messages", .object([
                ("total", .int(m.messages)),
                ("long_distance", .int(m.longDistance)),
                ("by_type", sortedObject(m.messagesByType)),
                ("long_distance_by_type", sortedObject(m.longDistanceByType)),
            ])),
            ("controllers", .object(controllerFigures(m, s))),
        ])
        let inputs: [JSON] = r.inputs.map { .object([("role", .string($0.role)), ("file", .string($0.file)), ("sha256", .string($0.sha256))]) }
        let detail = m.handovers.prefix(m.detailLimit).map { h -> JSON in
            .object([
                ("node", .string(h.node.description)),
                ("from", h.from.map { .string(s.networks[$0].name) } ?? .null),
                ("to", .string(s.networks[h.to].name)),
                ("start_ns", .int(h.startNs)),
                ("link_up_ns", h.linkUpNs.map { .int($0) } ?? .null),
                ("locator", h.locator.map { .string($0.description) } ?? .null),
                ("reachable_ms", ms(h.reachableNs.map { Double($0 - h.startNs) })),
                ("converged_ms", ms(h.convergedNs.map { Double($0 - h.startNs) })),
                ("outage_ms", ms(h.firstDeliveryNs.map { Double($0 - h.startNs) })),
                ("lost", .int(h.lost.values.reduce(0, +))),
                ("lost_by_cause", .object(LossCause.allCases.compactMap { c in h.lost[c].map { (c.rawValue, .int($0)) } })),
                ("lost_bytes", .int(h.lostBytes)),
            ])
        }
        let rules = m.ruleEvents.prefix(m.detailLimit).map { ev -> JSON in
            .object([
                ("time_ns", .int(ev.timeNs)), ("switch", .string(ev.switchID)), ("rule", .string(ev.name)),
                ("role", .string(ev.role.rawValue)), ("node", ev.node.map { .string($0.description) } ?? .null),
                ("event", .string(ev.installed ? "install" : "remove")),
                ("latency_ms", ms(ev.latencyNs.map { Double($0) })),
            ])
        }
        let lat = s.latency
        return .object([
            ("schema", .string(schema)),
            ("complete", .bool(r.complete)),
            ("mode", .string("emulated")),
            ("controller", .string(settings.distributed ? "distributed" : "centralized")),
            ("strategy", .string(settings.strategy.rawValue)),
            ("seed", .int(Int64(bitPattern: settings.seed))),
            ("scenario", .string(s.name)),
            ("inputs", .array(inputs)),
            ("model", .object([
                ("note", .string("emulated: delays, processing and install times come from the scenario's latency model, not from measurement")),
                ("install_profile", .string(lat.installFixedNs == nil ? lat.installProfile.rawValue : "fixed")),
                ("install_fixed_ms", lat.installFixedNs.map { ms(Double($0)) } ?? .null),
                ("controller_switch_ms", ms(Double(lat.controllerSwitchNs))),
                ("controller_controller_ms", ms(Double(lat.controllerControllerNs))),
                ("core_ms", ms(Double(lat.coreNs))),
                ("processing_ms", ms(Double(lat.processingNs))),
                ("handover_gap_ms", ms(Double(lat.handoverGapNs))),
                ("rules", .object([("alpha", .int(s.rules.alpha)), ("beta", .int(s.rules.beta)),
                                   ("gamma", .int(s.rules.gamma)), ("delta", .int(s.rules.delta))])),
            ])),
            ("run", .object([
                ("timeline_events", .int(r.timelineEvents)),
                ("emulated_events", .int(e.eventsRun)),
                ("trace_nodes_without_capture_host", .int(r.syntheticNodes)),
                ("capture_packets_held_for_time_order", .int(r.heldPackets)),
                ("capture_non_ip_skipped", .int(r.nonIPSkipped)),
                ("capture_packets_outside_scenario", .int(m.outsideScenario)),
                ("end_ns", .int(m.endNs)),
            ])),
            ("summary", summary),
            ("handovers", .array(detail)),
            ("handovers_truncated", .bool(m.handovers.count > m.detailLimit)),
            ("rule_events", .array(rules)),
            ("rule_events_total", .int(m.ruleEventCount)),
            ("rule_events_truncated", .bool(m.ruleEventCount > rules.count)),
            ("rule_listing", .array(ruleListing(e))),
            ("series", series(e, phases: phases)),
        ])
    }

    /// A level series as [bin start ns, highest level in the bin] pairs; bins without a
    /// change are left out, so the level holds until the next point.
    static func levelPoints(_ l: LevelSeries) -> [(String, JSON)] {
        [("bin_ns", .int(l.binNs)), ("peak", .int(l.peak)),
         ("points", .array(l.bins.map { .array([.int($0.0), .int($0.1)]) }))]
    }

    /// A distribution as [value ms, fraction of samples at or below it] steps.
    static func cdf(_ h: Histogram) -> JSON {
        .array(h.cdf().map { .array([ms($0.0), .double($0.1)]) })
    }

    /// Time series and distributions behind the report's charts (issue 5): binned, so the
    /// size is bounded however long the run.
    static func series(_ e: Emulator, phases: Histogram) -> JSON {
        let m = e.metrics
        let s = e.scenario
        let switches: [JSON] = s.networks.enumerated().map { i, n in
            .object([("switch", .string(n.switchID)), ("network", .string(n.name))] + levelPoints(m.perSwitch[i]))
        }
        let controllers = m.perController.keys.sorted().map { c in
            JSON.object([("controller", .string(c))] + levelPoints(m.perController[c]!))
        }
        let rates = m.controllerRate.keys.sorted().map { c -> JSON in
            let r = m.controllerRate[c]!
            return .object([("controller", .string(c)), ("bin_ns", .int(r.binNs)), ("total", .int(r.total)),
                            ("points", .array(r.bins.map { .array([.int($0.0), .int($0.1)]) }))])
        }
        let mappings = m.controllerMappings.keys.sorted().map { c in
            JSON.object([("controller", .string(c))] + levelPoints(m.controllerMappings[c]!))
        }
        return .object([
            ("rules_total", .object(levelPoints(m.total))),
            ("rules_per_switch", .array(switches)),
            ("rules_per_controller", .array(controllers)),
            ("controller_messages", .array(rates)),
            ("controller_mappings", .array(mappings)),
            ("install_latency_ms_cdf", cdf(m.installLatency)),
            ("handover_reachable_ms_cdf", cdf(m.reachable)),
            ("handover_converged_ms_cdf", cdf(m.converged)),
            ("handover_outage_ms_cdf", cdf(m.outage)),
            ("triangular_phase_ms_cdf", cdf(phases)),
        ])
    }

    /// Per controller: where it sits, what it controls, its load. The per-controller maps are
    /// built once here (each is assembled from arrays on access), not once per controller.
    static func controllerFigures(_ m: Measurements, _ s: Scenario) -> [(String, JSON)] {
        let inCount = m.controllerIn, outCount = m.controllerOut, rate = m.controllerRate
        let rules = m.perController, mappings = m.controllerMappings
        return s.controllers.map { c in
            (c.id, .object([
                ("site", .string(c.site)),
                ("networks", .array(c.networks.map { .string($0) })),
                ("messages_in", .int(inCount[c.id] ?? 0)),
                ("messages_out", .int(outCount[c.id] ?? 0)),
                ("peak_messages_per_s", .double(rate[c.id]?.peakPerSecond ?? 0)),
                ("peak_rules", .int(rules[c.id]?.peak ?? 0)),
                ("peak_mappings", .int(mappings[c.id]?.peak ?? 0)),
            ]))
        }
    }

    /// Every kind of rule the switches held, named, with what it matches and does
    /// (infrastructure included, so nothing the tables hold is hidden).
    static func ruleListing(_ e: Emulator) -> [JSON] {
        var seen: [String: FlowRule] = [:]
        for i in e.scenario.networks.indices {
            for r in infrastructureRules(for: i, in: e.topology) where seen[r.name] == nil { seen[r.name] = r }
        }
        for ev in e.metrics.ruleEvents where seen[ev.name] == nil {
            seen[ev.name] = FlowRule(switchID: ev.switchID, network: -1, priority: 0, match: FlowMatch(), actions: [], kind: ev.kind, role: ev.role, node: ev.node)
        }
        return seen.keys.sorted().map { name in
            let r = seen[name]!
            let infra = ["route-local", "route-core", "arp-gateway", "locator-catch"].contains(name)
            return .object([("name", .string(name)), ("role", .string(infra ? "infrastructure" : r.role.rawValue)),
                            ("counted", .bool(!infra))])
        }
    }

    /// Writes `text` to `path` atomically (temporary file in the same folder, then rename).
    public static func writeAtomically(_ text: String, to path: String) throws {
        try AtomicFile.write(text, to: path)
    }
}
