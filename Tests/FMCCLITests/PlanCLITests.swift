// `fmc plan` as a capacity planner runs it, and its recommendation checked by a direct replay.

import Foundation
import Testing

@Suite("fmc plan (the binary)")
struct PlanCLITests {
    let repo = FMCRun.repo

    func temp() throws -> String { try FMCRun.temporaryFolder("plan") }

    func object(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test("a 51-point sweep recommends the smallest fitting cluster, and fmc replay at that point gives the same figures")
    func sweepAndConfirm() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let scenario = repo.appendingPathComponent("Traces/sample-scenario.yaml").path
        // 17 populations × 3 controller counts; 8 is beyond the sample's 3 networks: skipped.
        let r = try FMCRun(["plan", scenario, "--sweep", "users=100..1500:17", "--sweep", "controllers=1..8", "--duration", "20",
                            "--table-capacity", "2000", "--message-budget", "700", "--out", d + "/plan"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("51 points"))
        #expect(r.stderr.contains("skipped controller counts 4, 5, 6, 7, 8"))
        let plan = try object(d + "/plan/plan.json")
        let points = try #require(plan["points"] as? [[String: Any]])
        #expect(points.count == 51)
        let best = try #require(plan["recommended"] as? [String: Any])
        let users = try #require(best["users"] as? Int)
        let k = try #require(best["controllers"] as? Int)
        #expect(users == 1500)
        // The smallest: every smaller cluster at this population breaks a limit, this one does not.
        for p in points where p["users"] as? Int == users {
            let fits = (p["peak_rules_per_switch"] as! Int) <= 2000 && (p["peak_messages_per_s"] as! Double) <= 700
            #expect(fits == (p["within_limits"] as? Bool), "\(p)")
            if (p["controllers"] as! Int) < k { #expect(!fits) }
        }
        #expect(best["within_limits"] as? Bool == true)
        #expect(k > 1, "the budget was chosen so that one controller is not enough: \(best)")

        // The confirmation: a direct replay of the written inputs.
        let replay = try FMCRun(["replay", d + "/plan/recommended/scenario.yaml", "--align", "absolute", "--out", d + "/replay"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let report = try object(d + "/replay/report.json")
        let summary = try #require(report["summary"] as? [String: Any])
        let rules = try #require(summary["rules"] as? [String: Any])
        let perSwitch = try #require(rules["per_switch_peak"] as? [String: Int])
        let packets = try #require(summary["packets"] as? [String: Any])
        let controllers = try #require(summary["controllers"] as? [String: [String: Any]])
        let peakRate = controllers.values.compactMap { $0["peak_messages_per_s"] as? Double }.max() ?? 0
        let peakMappings = controllers.values.compactMap { $0["peak_mappings"] as? Int }.max() ?? 0
        #expect(perSwitch.values.max() == best["peak_rules_per_switch"] as? Int)
        #expect(perSwitch.values.max()! <= 2000)
        #expect(peakRate == best["peak_messages_per_s"] as? Double)
        #expect(peakRate <= 700)
        #expect(peakMappings == best["peak_mappings"] as? Int)
        #expect(controllers.count == k)
        #expect(summary["handovers"] as? Int == best["handovers"] as? Int)
        #expect(packets["replayed"] as? Int == best["packets"] as? Int)
        #expect(packets["lost"] as? Int == best["lost"] as? Int)
        #expect(packets["triangular"] as? Int == best["triangular"] as? Int)
        #expect((summary["messages"] as? [String: Any])?["total"] as? Int == best["messages"] as? Int)

        // The CSV and the chart page are there and say what they are.
        let csv = try String(contentsOfFile: d + "/plan/plan.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 52)
        let html = try String(contentsOfFile: d + "/plan/plan.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Emulated"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
    }

    @Test("limits no configuration meets: exit 1 and a plain sentence; bad sweeps are usage errors")
    func noFit() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let scenario = repo.appendingPathComponent("Traces/sample-scenario.yaml").path
        let r = try FMCRun(["plan", scenario, "--sweep", "users=200", "--sweep", "controllers=1..3", "--duration", "5",
                            "--table-capacity", "1", "--out", d])
        #expect(r.status == 1)
        #expect(r.stdout.contains("no swept configuration"))
        #expect(FileManager.default.fileExists(atPath: d + "/plan.csv"))
        let bad = try FMCRun(["plan", scenario, "--sweep", "users=10..1", "--out", d])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("LOW <= HIGH"))
        let unknown = try FMCRun(["plan", scenario, "--sweep", "switches=1..2", "--out", d])
        #expect(unknown.status == 64)
    }
}
