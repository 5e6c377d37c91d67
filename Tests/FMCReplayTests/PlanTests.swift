// The planner's populations and its equivalence with a replay of the files it writes.

import FMCCore
import FMCEmulation
import FMCReplay
import FMCScenario
import FMCTrace
import Foundation
import Testing

@Suite("capacity planning")
struct PlanTests {
    func base() throws -> Scenario {
        var s = Scenario()
        s.name = "t"
        for i in 0..<4 {
            s.networks.append(AccessNetwork(name: "N\(i)", prefix: IPPrefix("198.18.\(i).0/24")!, switchID: "s\(i)", site: "site\(i % 2)"))
        }
        s.siteDelays = ["site0|site1": 4_000_000]
        s.controllers = [Controller(id: "c0", site: "site0", networks: s.networks.map(\.name))]
        s.latency.installFixedNs = nil
        return s
    }

    @Test("the population depends on users and seed only, not on the controller count")
    func population() throws {
        var a = PlanSetting()
        a.users = 300
        a.controllers = 1
        a.durationNs = 10_000_000_000
        a.handoversPerHour = 200
        var b = a
        b.controllers = 4
        func events(_ s: PlanSetting) -> [String] {
            var out: [String] = []
            Plan.Population(s, networks: 4).forEach { out.append("\($0)") }
            return out
        }
        let ea = events(a)
        #expect(ea == events(b))
        #expect(ea.count > 300 + 2 * 300 * 9)
        var c = a
        c.seed = 2
        #expect(events(c) != ea)
        // Time order, and moves never tie with packets.
        var last: Int64 = -1
        Plan.Population(a, networks: 4).forEach { e in
            switch e {
            case let .attach(_, _, t):
                #expect(t >= last && t % 1000 == 0)
                last = t
            case let .packet(t, _, _, _):
                #expect(t >= last && t % 1000 == 500)
                last = t
            }
        }
    }

    @Test("every controller count splits the networks; one is the centralized controller")
    func clusters() throws {
        let s1 = Plan.scenario(try base(), controllers: 1)
        #expect(s1.controllerMode == .centralized && s1.controllers.count == 1)
        let s3 = Plan.scenario(try base(), controllers: 3)
        #expect(s3.controllerMode == .distributed)
        #expect(s3.controllers.map(\.networks) == [["N0", "N3"], ["N1"], ["N2"]])
        #expect(Set(s3.networks.map(\.prefix.address.isIPv4)) == [false])
    }

    @Test("a point emulated directly equals fmc replay of its written files", arguments: [1, 2, 4])
    func equivalence(controllers: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-plan-eq-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = PlanSetting()
        s.users = 400
        s.controllers = controllers
        s.durationNs = 20_000_000_000
        s.handoversPerHour = 120
        s.seed = 7
        let direct = Plan.run(try base(), s)
        #expect(direct.handovers > 20)
        #expect(direct.packets > 10_000)
        try Plan.writeInputs(try base(), s, to: dir)
        let loaded = try ScenarioLoader.load(path: dir + "/scenario.yaml")
        var inputs = ReplayInputs(scenarioPath: dir + "/scenario.yaml", scenario: loaded)
        inputs.mobilityPath = loaded.mobilityFile
        inputs.capturePath = loaded.captureFile
        inputs.mobility = try MobilityTrace.open(loaded.mobilityFile!, format: .attachments, options: MobilityOptions())
        inputs.timeline.align = .absolute
        inputs.settings.distributed = loaded.controllerMode == .distributed
        inputs.settings.seed = 7
        let replayed = Plan.point(try Replay.run(inputs).emulator, users: s.users, controllers: controllers)
        #expect("\(replayed)" == "\(direct)")
    }
}
