// A replay without a capture keeps the flow tables and the measurements on a second thread.
// It must give the same report as the same replay on one thread, to the byte.

import FMCCore
import FMCScenario
import FMCTrace
import Foundation
import Testing

@testable import FMCReplay

@Suite("measurements on a second thread")
struct SecondThreadTests {
    func report(_ dir: String, distributed: Bool, strategy: String, secondThread: Bool) throws -> String {
        let scenario = Replay.scenario(try ScenarioLoader.load(path: dir + "/scenario.yaml"), distributed: distributed)
        var inputs = ReplayInputs(scenarioPath: dir + "/scenario.yaml", scenario: scenario)
        inputs.mobilityPath = scenario.mobilityFile
        inputs.mobility = try MobilityTrace.open(scenario.mobilityFile!, format: .attachments, options: MobilityOptions())
        inputs.settings.distributed = distributed
        inputs.settings.strategy = try #require(.init(rawValue: strategy))
        inputs.settings.seed = 3
        inputs.secondThreadWithoutCapture = secondThread
        let r = try Replay.run(inputs)
        #expect(r.emulator.metrics.handoverCount > 1000)
        return ReplayReport.json(r).pretty
    }

    @Test("same report.json on one thread and on two", arguments: [
        (true, "reactive", false), (false, "reactive", false), (true, "proactive", false), (true, "make-before-break", false),
        // Fixed install times: rule changes fall on the very times of other events, where only
        // the sequence numbers order them.
        (true, "reactive", true), (false, "proactive", true),
    ])
    func sameReport(distributed: Bool, strategy: String, fixedInstall: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-2t-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var m = MobilitySetting()
        m.nodes = 300
        m.networks = 6
        // More effects than a few of the pipe's batches, so batches are handed over and reused.
        m.handovers = 4000
        try MobilitySynth.write(m, to: dir)
        if fixedInstall {
            let path = dir + "/scenario.yaml"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try (text + "latency:\n  install_fixed_ms: 0.1\n  controller_switch_ms: 0.1\n  processing_ms: 0.05\n")
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        let one = try report(dir, distributed: distributed, strategy: strategy, secondThread: false)
        let two = try report(dir, distributed: distributed, strategy: strategy, secondThread: true)
        #expect(one == two)
    }
}
