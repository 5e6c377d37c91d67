// The scenario file: the documented example loads as documented, presets expand as the paper
// describes, and each kind of mistake is an error naming the line and the key.

import FMCCore
import Foundation
import Testing

@testable import FMCScenario

let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func expectError(_ yaml: String, line: Int?, key: String, contains text: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try ScenarioLoader.parse(yaml: yaml, file: "s.yaml")
        Issue.record("expected an error about \(key)", sourceLocation: sourceLocation)
    } catch let e as InputError {
        #expect(e.file == "s.yaml", sourceLocation: sourceLocation)
        if case let .key(k, l) = e.place {
            #expect(k == key, sourceLocation: sourceLocation)
            if let line { #expect(l == line, "\(e)", sourceLocation: sourceLocation) }
        } else if case let .line(l, _) = e.place {
            #expect(key == "", sourceLocation: sourceLocation)
            if let line { #expect(l == line, sourceLocation: sourceLocation) }
        } else if !(key.isEmpty && line == nil) {
            Issue.record("no key or line in \(e)", sourceLocation: sourceLocation)
        }
        #expect(e.message.contains(text), "\(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

let minimal = """
    networks:
      - name: A
        prefix: 198.18.1.0/24
      - name: B
        prefix: 198.18.2.0/24
    """

@Suite("scenario file")
struct ScenarioTests {
    @Test("the documented example loads with every key as written")
    func example() throws {
        let s = try ScenarioLoader.load(path: repo.appendingPathComponent("docs/scenario-example.yaml").path)
        #expect(s.name == "example")
        #expect(s.networks.map(\.name) == ["A", "B", "C"])
        #expect(s.networks[0].accessPoints.count == 2)
        #expect(s.networks[0].switchID == "s1")
        #expect(s.controllers.map(\.id) == ["c-west", "c-east"])
        #expect(s.controllers[1].networks == ["B", "C"])
        #expect(s.delay(from: "paris", to: "rome") == 9_500_000)
        // Paris–Berlin ≈ 878 km at 2e8 m/s ≈ 4.39 ms.
        let pb = s.delay(from: "berlin", to: "paris")
        #expect(pb > 4_300_000 && pb < 4_480_000, "\(pb)")
        #expect(s.latency.installProfile == .ovs)
        #expect(s.latency.handoverGapNs == 50_000_000)
        #expect(s.rules == RuleConstants())
        #expect(s.attachment.minimumDwellNs == 1_000_000_000)
        #expect(s.nodes.explicit.first?.address == IPAddress("198.18.1.10"))
    }

    @Test("defaults and presets")
    func presets() throws {
        let d = try ScenarioLoader.parse(yaml: minimal)
        #expect(d.controllerMode == .distributed)
        #expect(d.controllers.map(\.networks) == [["A"], ["B"]])
        #expect(d.networks[1].switchID == "s-B" && d.networks[1].site == "B")
        let c = try ScenarioLoader.parse(yaml: minimal + "\ncontrollers: centralized\n")
        #expect(c.controllers.count == 1 && c.controllers[0].networks == ["A", "B"])
        #expect(c.controllerMode == .centralized)
        let site = try ScenarioLoader.parse(yaml: minimal + "\ncontrollers: {mode: centralized, site: B}\n")
        #expect(site.controllers[0].site == "B")
    }

    @Test("mistakes are errors naming line and key")
    func errors() {
        expectError(minimal + "\nlatency:\n  core_ms: fast\n", line: 7, key: "latency.core_ms", contains: "number")
        expectError(minimal + "\nlatency:\n  cor_ms: 1\n", line: 7, key: "latency.cor_ms", contains: "unknown key")
        expectError("networks:\n  - name: A\n    prefix: 198.18.1.0/33\n", line: 3, key: "networks[0].prefix", contains: "not a prefix")
        expectError("networks:\n  - name: A\n", line: 2, key: "networks[0].prefix", contains: "required")
        expectError("networks:\n  - {name: A, prefix: 198.18.0.0/16}\n  - {name: B, prefix: 198.18.2.0/24}\n",
                    line: nil, key: "networks[1].prefix", contains: "overlaps")
        expectError("networks:\n  - name: A\n    prefix: 198.18.1.0/24\n    access_points:\n      - {x: 1, y: 2, radius: -3}\n",
                    line: 5, key: "networks[0].access_points[0].radius", contains: "positive")
        expectError(minimal + "\ncontrollers: everywhere\n", line: 6, key: "controllers", contains: "preset")
        expectError(minimal + "\ncontrollers:\n  list:\n    - {id: c1, networks: [A, Z]}\n", line: 8,
                    key: "controllers.list[0].networks[1]", contains: "unknown network")
        expectError(minimal + "\ncontrollers:\n  list:\n    - {id: c1, networks: [A]}\n", line: 8,
                    key: "controllers.list", contains: "no controller")
        expectError(minimal + "\nrules: {alpha: -1}\n", line: 6, key: "rules.alpha", contains: "at least 0")
        expectError(minimal + "\nrules: {peer_idle_timeout_s: 70000}\n", line: 6, key: "rules.peer_idle_timeout_s", contains: "65535")
        expectError(minimal + "\nnodes:\n  explicit:\n    - {node: v, address: 10.0.0.1}\n", line: nil,
                    key: "nodes.explicit[0].address", contains: "no network")
        expectError(minimal + "\nsites: [{name: x, lat: 95, lon: 0}]\n", line: 6, key: "sites[0].lat", contains: "90")
        expectError("networks: [\n", line: nil, key: "", contains: "not valid YAML")
        expectError("", line: nil, key: "", contains: "empty")
    }
}
