// The summary table `fmc replay` prints for people.

import FMCCore
import FMCEmulation
import FMCMetrics

public enum ReplaySummary {
    public static func table(_ r: ReplayResult) -> String {
        let e = r.emulator
        let m = e.metrics
        func ms(_ v: Double?) -> String { v.map { String(format: "%.3f", $0 / 1e6) } ?? "-" }
        var rows: [(String, String)] = []
        rows.append(("mode", "emulated, \(e.settings.distributed ? "distributed" : "centralized") controllers, \(e.settings.strategy.rawValue) handovers, seed \(e.settings.seed)"))
        if !r.complete { rows.append(("complete", "NO: interrupted, figures cover the replay so far")) }
        rows.append(("handovers", "\(m.handoverCount)"))
        rows.append(("rules peak", "\(m.total.peak) in all; per switch " + e.scenario.networks.enumerated()
            .map { "\($1.switchID) \(m.perSwitch[$0].peak)" }.joined(separator: ", ")))
        rows.append(("", "per controller " + m.perController.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.peak)" }.joined(separator: ", ")))
        rows.append(("install ms", "p50 \(ms(m.installLatency.quantile(0.5))), p90 \(ms(m.installLatency.quantile(0.9))), p99 \(ms(m.installLatency.quantile(0.99))), max \(ms(m.installLatency.quantile(1))) (\(m.installLatency.count) flow-mods)"))
        rows.append(("reachable ms", "p50 \(ms(m.reachable.quantile(0.5))), p99 \(ms(m.reachable.quantile(0.99))) after the node leaves; converged p50 \(ms(m.converged.quantile(0.5)))"))
        let lost = LossCause.allCases.compactMap { c in m.lostByCause[c].map { "\(c.rawValue) \($0)" } }.joined(separator: ", ")
        rows.append(("packets", "\(m.packetsReplayed) replayed, \(m.delivered) delivered (\(m.deliveredTriangular) via the home switch), \(m.lost) lost" + (lost.isEmpty ? "" : ": " + lost)))
        var extra = Histogram()
        var bytes = 0
        for (_, t) in m.triangular { extra.merge(t.extraDelay); bytes += t.bytes }
        if m.deliveredTriangular > 0 { rows.append(("triangular", "\(bytes) bytes, extra delay p50 \(ms(extra.quantile(0.5))) ms")) }
        rows.append(("messages", "\(m.messages), \(m.longDistance) long distance; " + m.messagesByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if m.outsideScenario > 0 { rows.append(("note", "\(m.outsideScenario) capture packets had neither end in a scenario network and were not replayed")) }
        if r.syntheticNodes > 0 { rows.append(("note", "\(r.syntheticNodes) trace nodes had no capture host: they move with synthetic identifiers and no traffic")) }
        var out = ""
        for (k, v) in rows { out += "  " + k.padding(toLength: 14, withPad: " ", startingAt: 0) + v + "\n" }
        return out
    }
}
