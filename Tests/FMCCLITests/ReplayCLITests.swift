// The trace, replay and synth commands as a user runs them.

import Foundation
import Testing

@Suite("fmc trace, replay and synth (the binary)")
struct ReplayCLITests {
    let repo = FMCRun.repo

    func temp() throws -> String { try FMCRun.temporaryFolder("cli") }

    @Test("inspect tells traces from captures, and counts handovers with a scenario")
    func inspectTrace() throws {
        let r = try FMCRun(["inspect", "--json", "--scenario", repo.appendingPathComponent("Traces/sample-scenario.yaml").path,
                            repo.appendingPathComponent("Traces/sample-fcd.xml").path, repo.appendingPathComponent("Traces/sample.pcap").path])
        #expect(r.status == 0, "\(r.stderr)")
        let objects = try r.json()
        let t = objects[0]
        for key in ["file", "format", "nodes", "records", "first_s", "last_s", "attachments", "handovers", "networks_visited"] {
            #expect(t[key] != nil, "missing \(key)")
        }
        #expect(t["format"] as? String == "sumo")
        #expect(t["nodes"] as? Int == 15)
        #expect((t["handovers"] as? Int ?? 0) > 10)
        #expect(objects[1]["format"] as? String == "pcap")
    }

    @Test("trace convert writes CSV and fails with file and line on bad input, keeping what it wrote")
    func convert() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let bad = d + "/bad.csv"
        try "time,node,x,y\n0,a,1,2\n1,a,3,4\n2,a,five,6\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try FMCRun(["trace", "convert", bad, "--to", "positions", "--step", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad.csv:4"))
        #expect(r.stdout.hasPrefix("time,node,x,y,z\n0.000000000,a,1.000000,2.000000,0.000000\n"))
        let noScenario = try FMCRun(["trace", "convert", repo.appendingPathComponent("Traces/sample-fcd.xml").path, "--to", "attachments"])
        #expect(noScenario.status == 1 && noScenario.stderr.contains("--scenario"))
        let ok = try FMCRun(["trace", "convert", repo.appendingPathComponent("Traces/sample-fcd.xml").path, "--to", "attachments",
                             "--scenario", repo.appendingPathComponent("Traces/sample-scenario.yaml").path, "-o", d + "/a.csv"])
        #expect(ok.status == 0)
        let text = try String(contentsOfFile: d + "/a.csv", encoding: .utf8)
        #expect(text.hasPrefix("time,node,network,cell\n"))
        // The output is fmc's native attachment format: it reads back.
        let back = try FMCRun(["inspect", "--json", d + "/a.csv"])
        #expect(try back.json().first?["format"] as? String == "attachments")
    }

    @Test("synth paper then replay: report.json with the documented keys, formulas in the summary, same bytes twice")
    func replay() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(try FMCRun(["synth", "paper", "--home-peers", "2", "--foreign-peers", "3", "--cnets", "2", "--cnet-peers", "4", "--out", d]).status == 0)
        let r1 = try FMCRun(["replay", d + "/scenario.yaml", "--out", d + "/r1"])
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = try FMCRun(["replay", d + "/scenario.yaml", "--out", d + "/r2"])
        #expect(r2.status == 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: d + "/r1/report.json"))
        let b = try Data(contentsOf: URL(fileURLWithPath: d + "/r2/report.json"))
        #expect(a == b, "same inputs and seed give the same bytes")
        let report = try #require(try JSONSerialization.jsonObject(with: a) as? [String: Any])
        for key in ["schema", "mode", "controller", "strategy", "seed", "inputs", "summary", "handovers", "rule_events"] {
            #expect(report[key] != nil, "missing \(key)")
        }
        let summary = try #require(report["summary"] as? [String: Any])
        let rules = try #require(summary["rules"] as? [String: Any])
        let perController = try #require(rules["per_controller_peak"] as? [String: Int])
        #expect(perController == ["c-HN": 1 + 3 + 2, "c-FN": 1 + 6 + 3 + 2, "c-CN1": 3 + 4, "c-CN2": 3 + 4])
        for key in ["p50", "p90", "p99", "max"] { #expect((summary["install_latency_ms"] as? [String: Any])?[key] != nil) }
        let packets = try #require(summary["packets"] as? [String: Any])
        for key in ["replayed", "delivered", "triangular", "lost", "lost_by_cause"] { #expect(packets[key] != nil) }
        #expect((report["inputs"] as? [[String: Any]])?.count == 3)
        let other = try FMCRun(["replay", d + "/scenario.yaml", "--seed", "2", "--out", d + "/r3"])
        #expect(other.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: d + "/r3/report.json")) != a)
    }

    @Test("a bad scenario is an error with line and key; bad options are usage errors")
    func errors() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "networks:\n  - name: A\n    prefix: nowhere\n".write(toFile: d + "/s.yaml", atomically: true, encoding: .utf8)
        let r = try FMCRun(["replay", d + "/s.yaml", "--out", d + "/r"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("s.yaml:3: key 'networks[0].prefix'"))
        #expect(try FMCRun(["replay", d + "/s.yaml", "--strategy", "telepathy"]).status == 64)
        #expect(try FMCRun(["synth", "paper", "--home-peers", "-1", "--out", d]).status == 64)
    }
}
