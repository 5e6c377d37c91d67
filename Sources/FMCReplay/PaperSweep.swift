// The paper's Figures 5 and 6 by replay: for n = 0…N, one migration with n home peers, n
// foreign peers and n correspondent networks (one peer each), replayed with the centralized
// controller (at the foreign site) and with distributed controllers. Rules are counted from
// the emulated flow tables; long-distance messages are those whose ends are at different sites.

import FMCCore
import FMCReport
import FMCScenario
import FMCTrace
import Foundation

public struct PaperPoint: Sendable {
    public var n: Int
    public var centralizedRules: Int
    public var distributedMaxRules: Int
    public var foreignControllerRules: Int
    public var homeControllerRules: Int
    public var centralizedLongDistance: Int
    public var foreignControllerLongDistance: Int
    public var distributedLongDistance: Int
    /// The formulas of DESIGN.md §2 for the same point, for comparison.
    public var formulaCentralized: Int
    public var formulaForeign: Int
}

public enum PaperSweep {
    public static func run(maxN: Int, workDir: String, openMobility: (String) throws -> MobilityReader) throws -> [PaperPoint] {
        var points: [PaperPoint] = []
        for n in 0...maxN {
            let dir = workDir + "/n\(n)"
            let setting = PaperSetting(homePeers: n, foreignPeers: n, cnets: n, cnetPeers: 1)
            try PaperSynth.write(setting, to: dir)
            let loaded = try ScenarioLoader.load(path: dir + "/scenario.yaml")
            func replay(_ distributed: Bool) throws -> ReplayResult {
                var inputs = ReplayInputs(scenarioPath: dir + "/scenario.yaml", scenario: Replay.scenario(loaded, distributed: distributed))
                inputs.mobilityPath = loaded.mobilityFile
                inputs.mobility = try openMobility(loaded.mobilityFile!)
                inputs.capturePath = loaded.captureFile
                inputs.settings.distributed = distributed
                return try Replay.run(inputs)
            }
            let c = try replay(false), d = try replay(true)
            let dm = d.emulator.metrics
            let fcLD = dm.longDistanceByPair.filter { k, _ in k.components(separatedBy: "->").contains("c-FN") }.values.reduce(0, +)
            points.append(PaperPoint(
                n: n, centralizedRules: c.emulator.metrics.perController["c0"]?.peak ?? 0,
                distributedMaxRules: dm.perController.values.map(\.peak).max() ?? 0,
                foreignControllerRules: dm.perController["c-FN"]?.peak ?? 0,
                homeControllerRules: dm.perController["c-HN"]?.peak ?? 0,
                centralizedLongDistance: c.emulator.metrics.longDistance,
                foreignControllerLongDistance: fcLD, distributedLongDistance: dm.longDistance,
                formulaCentralized: 2 + (3 + n) + (6 + n) + n * (3 + 1), formulaForeign: 1 + 6 + n + n))
        }
        return points
    }

    public static func write(_ points: [PaperPoint], to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var rules = "n,centralized_rules,distributed_max_rules,distributed_fc_rules,distributed_hc_rules,formula_centralized,formula_fc\n"
        var messages = "n,centralized_long_distance,distributed_fc_long_distance,distributed_long_distance_total\n"
        for p in points {
            rules += "\(p.n),\(p.centralizedRules),\(p.distributedMaxRules),\(p.foreignControllerRules),\(p.homeControllerRules),\(p.formulaCentralized),\(p.formulaForeign)\n"
            messages += "\(p.n),\(p.centralizedLongDistance),\(p.foreignControllerLongDistance),\(p.distributedLongDistance)\n"
        }
        try rules.write(toFile: dir + "/rules.csv", atomically: true, encoding: .utf8)
        try messages.write(toFile: dir + "/long-distance.csv", atomically: true, encoding: .utf8)
        let fig5 = SVGChart.line(
            title: "Rules managed for one migration (paper Fig. 5)", xLabel: "n: peers at HN and FN, correspondent networks",
            yLabel: "rules managed by the controller",
            series: [ChartSeries(name: "centralized controller", points: points.map { (Double($0.n), Double($0.centralizedRules)) }),
                     ChartSeries(name: "most loaded distributed controller (FC)", points: points.map { (Double($0.n), Double($0.distributedMaxRules)) })])
        let fig6 = SVGChart.line(
            title: "Long-distance messages for one migration (paper Fig. 6)", xLabel: "n: peers at HN and FN, correspondent networks",
            yLabel: "messages between different sites",
            series: [ChartSeries(name: "centralized controller at the foreign site", points: points.map { (Double($0.n), Double($0.centralizedLongDistance)) }),
                     ChartSeries(name: "distributed: foreign controller (FC)", points: points.map { (Double($0.n), Double($0.foreignControllerLongDistance)) })])
        try fig5.write(toFile: dir + "/fig5-rules.svg", atomically: true, encoding: .utf8)
        try fig6.write(toFile: dir + "/fig6-long-distance.svg", atomically: true, encoding: .utf8)
    }
}
