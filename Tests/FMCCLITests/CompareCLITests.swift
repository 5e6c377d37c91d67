// fmc replay --repeat/--record, fmc compare and fmc history as a user runs them, on a
// synthetic population made by `fmc synth mobility` (about a second per replay).

import Foundation
import Testing

@Suite("fmc compare, replay --repeat and history (the binary)")
struct CompareCLITests {
    func temp() throws -> String { try FMCRun.temporaryFolder("cmp") }

    /// 200 nodes making 3000 handovers between 4 networks: about 17,000 flow-mods, enough for
    /// the install-latency p99 to move by a few per cent between seeds, not by ten.
    func population(_ dir: String, seed: Int = 1) throws -> String {
        let r = try FMCRun(["synth", "mobility", "--nodes", "200", "--networks", "4", "--handovers", "3000", "--interval-ms", "100",
                            "--seed", String(seed), "--out", dir])
        #expect(r.status == 0, "\(r.stderr)")
        return dir + "/scenario.yaml"
    }

    func replay(_ args: [String]) throws {
        let r = try FMCRun(["replay"] + args)
        #expect(r.status == 0, "replay \(args): \(r.stderr)")
    }

    func object(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// The whole of stdout as one JSON value (compare and history print indented JSON).
    func stdoutJSON<T>(_ r: FMCRun, as: T.Type = [String: Any].self) throws -> T {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? T, "\(r.stdout)\(r.stderr)")
    }

    @Test("(a) two seeds of the same scenario: no regression either way, though figures differ")
    func differentSeeds() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let s = try population(d + "/in")
        try replay([s, "--seed", "1", "--out", d + "/a"])
        try replay([s, "--seed", "2", "--out", d + "/b"])
        let ab = try FMCRun(["compare", d + "/a", d + "/b"])
        #expect(ab.status == 0, "\(ab.stdout)\(ab.stderr)")
        #expect(ab.stdout.contains("verdict: no regression"))
        #expect(ab.stdout.contains("summary.install_latency_ms.p99"))
        #expect(ab.stdout.contains("different seeds"))
        // Both directions: noise must not pass one way and fail the other.
        let ba = try FMCRun(["compare", d + "/b/report.json", d + "/a/report.json", "--json"])
        #expect(ba.status == 0, "\(ba.stdout)")
        let j = try stdoutJSON(ba)
        #expect(j["verdict"] as? String == "pass")
        let rows = try #require(j["rows"] as? [[String: Any]])
        // The seeds did change something that a rule watches: this is noise, not identity.
        #expect(rows.contains { $0["rule"] is String && ($0["change"] as? Double ?? 0) != 0 })
    }

    @Test("(b) installs twice as slow: exit 1 naming the install-latency metric")
    func slowerInstalls() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let s = try population(d + "/in")
        let text = try String(contentsOfFile: s, encoding: .utf8)
        #expect(!text.contains("latency:"), "the synthetic scenario sets no latency of its own")
        // The same scenario (same name, trace and topology) with a constant install time, then twice it.
        try (text + "latency:\n  install_fixed_ms: 0.4\n").write(toFile: d + "/in/base.yaml", atomically: true, encoding: .utf8)
        try (text + "latency:\n  install_fixed_ms: 0.8\n").write(toFile: d + "/in/slow.yaml", atomically: true, encoding: .utf8)
        try replay([d + "/in/base.yaml", "--out", d + "/base"])
        try replay([d + "/in/slow.yaml", "--out", d + "/slow"])
        // A changed scenario file is a different input unless the user says the change is the point.
        let strict = try FMCRun(["compare", d + "/base", d + "/slow"])
        #expect(strict.status == 2)
        #expect(strict.stdout.contains("different scenario input") && strict.stdout.contains("--allow-scenario-change"))
        let r = try FMCRun(["compare", d + "/base", d + "/slow", "--allow-scenario-change"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("verdict: REGRESSION"))
        #expect(r.stdout.contains("  summary.install_latency_ms.p99 (+10%): "))
        let j = try stdoutJSON(try FMCRun(["compare", d + "/base", d + "/slow", "--allow-scenario-change", "--json"]))
        let regs = try #require(j["regressions"] as? [[String: Any]])
        #expect(regs.contains { $0["metric"] as? String == "summary.install_latency_ms.p99" })
        #expect(j["exit_status"] as? Int == 1)
        // Loosening the rule past the change turns the verdict for that metric.
        let loose = try FMCRun(["compare", d + "/base", d + "/slow", "--allow-scenario-change", "--json",
                                "--threshold", "summary.install_latency_ms.*=150"])
        let lj = try stdoutJSON(loose)
        #expect(!((lj["regressions"] as? [[String: Any]]) ?? []).contains { ($0["metric"] as? String ?? "").hasPrefix("summary.install_latency_ms") })
        // The other way round is an improvement.
        #expect(try FMCRun(["compare", d + "/slow", d + "/base", "--allow-scenario-change"]).status == 0)
    }

    @Test("(c) different inputs, incomplete reports, non-reports → exit 2; usage errors → 64")
    func notComparable() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let s1 = try population(d + "/in1", seed: 1)
        let s2 = try population(d + "/in2", seed: 2)
        try replay([s1, "--out", d + "/a"])
        try replay([s2, "--out", d + "/b"])
        let r = try FMCRun(["compare", d + "/a", d + "/b"])
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stdout.contains("not comparable") && r.stdout.contains("different mobility input"))
        // --allow-scenario-change does not excuse a different trace.
        #expect(try FMCRun(["compare", d + "/a", d + "/b", "--allow-scenario-change"]).status == 2)
        // Another strategy is another experiment.
        try replay([s1, "--strategy", "proactive", "--out", d + "/p"])
        let strategy = try FMCRun(["compare", d + "/a", d + "/p", "--json"])
        #expect(strategy.status == 2)
        #expect(((try stdoutJSON(strategy)["problems"] as? [String]) ?? []).contains { $0.contains("different handover strategy") })
        // A report marked incomplete.
        let text = try String(contentsOfFile: d + "/a/report.json", encoding: .utf8)
        try text.replacingOccurrences(of: "\"complete\": true", with: "\"complete\": false")
            .write(toFile: d + "/partial.json", atomically: true, encoding: .utf8)
        let partial = try FMCRun(["compare", d + "/a", d + "/partial.json"])
        #expect(partial.status == 2 && partial.stdout.contains("not complete"))
        // Not a report at all.
        try "{\"hello\": 1}".write(toFile: d + "/other.json", atomically: true, encoding: .utf8)
        #expect(try FMCRun(["compare", d + "/a", d + "/other.json"]).status == 2)
        try "not json".write(toFile: d + "/junk.json", atomically: true, encoding: .utf8)
        let junk = try FMCRun(["compare", d + "/a", d + "/junk.json"])
        #expect(junk.status == 2 && junk.stderr.contains("junk.json"))
        // Usage errors.
        #expect(try FMCRun(["compare", d + "/a", d + "/missing"]).status == 64)
        #expect(try FMCRun(["compare", d + "/a", d + "/a", "--threshold", "summary.packets.lost"]).status == 64)
        #expect(try FMCRun(["compare", d + "/a", d + "/a", "--threshold", "x=-5"]).status == 64)
        #expect(try FMCRun(["compare", d + "/a"]).status == 64)
        #expect(try FMCRun(["replay", s1, "--repeat", "0"]).status == 64)
        // A run compared with itself passes.
        #expect(try FMCRun(["compare", d + "/a", d + "/a"]).status == 0)
    }

    @Test("(d) --repeat 3 on both sides, other seeds, same build: passes; the report holds every run and the spread")
    func repeats() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let s = try population(d + "/in")
        try replay([s, "--repeat", "3", "--out", d + "/base"])
        try replay([s, "--repeat", "3", "--seed", "4", "--out", d + "/cand"])
        for k in 1...3 { #expect(FileManager.default.fileExists(atPath: d + "/base/runs/seed-\(k)/report.json")) }
        for k in 4...6 { #expect(FileManager.default.fileExists(atPath: d + "/cand/runs/seed-\(k)/report.json")) }
        let combined = try object(d + "/base/report.json")
        let rep = try #require(combined["repeat"] as? [String: Any])
        #expect(rep["seeds"] as? [Int] == [1, 2, 3] && rep["complete"] as? Bool == true && rep["runs"] as? Int == 3)
        let metrics = try #require(rep["metrics"] as? [String: [String: Any]])
        let p99 = try #require(metrics["summary.install_latency_ms.p99"])
        #expect(p99["n"] as? Int == 3)
        // The spread is the spread of the three reports' own figures.
        let values = try (1...3).map { k -> Double in
            let r = try object(d + "/base/runs/seed-\(k)/report.json")
            return try #require(((r["summary"] as? [String: Any])?["install_latency_ms"] as? [String: Any])?["p99"] as? Double)
        }
        #expect(p99["min"] as? Double == values.min() && p99["max"] as? Double == values.max())
        #expect(abs((p99["mean"] as? Double ?? 0) - values.reduce(0, +) / 3) < 1e-6)
        // The combined report is the first seed's report, byte for byte, plus the repeat section at the end.
        let first = try String(contentsOfFile: d + "/base/runs/seed-1/report.json", encoding: .utf8)
        let whole = try String(contentsOfFile: d + "/base/report.json", encoding: .utf8)
        #expect(first.hasSuffix("\n}\n") && whole.hasPrefix(String(first.dropLast(3)) + ",\n  \"repeat\": {"))
        // Every key of the section is documented in the report schema.
        let schema = try object(FMCRun.repo.appendingPathComponent("docs/report.schema.json").path)
        let documented = try #require((((schema["properties"] as? [String: Any])?["repeat"] as? [String: Any])?["properties"] as? [String: Any]))
        #expect(Set(rep.keys).subtracting(documented.keys).isEmpty, "undocumented: \(Set(rep.keys).subtracting(documented.keys))")
        let r = try FMCRun(["compare", d + "/base", d + "/cand"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("mean ±sd") && r.stdout.contains("3 runs (seeds 4,5,6)"))
        let j = try stdoutJSON(try FMCRun(["compare", d + "/base", d + "/cand", "--json"]))
        #expect(j["repeats_used"] as? Bool == true)
    }

    @Test("history: replay --record, history record, list, show, trend in time order")
    func history() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let r1 = try FMCRun(["synth", "mobility", "--nodes", "20", "--networks", "3", "--handovers", "200", "--out", d + "/in"])
        #expect(r1.status == 0)
        let db = d + "/h/history.sqlite"
        let rec = try FMCRun(["replay", d + "/in/scenario.yaml", "--out", d + "/a", "--record", "--history", db, "--build", "build-a"])
        #expect(rec.status == 0, "\(rec.stderr)")
        #expect(rec.stdout.contains("Recorded run 1 in \(db) (build build-a)"))
        try replay([d + "/in/scenario.yaml", "--seed", "2", "--repeat", "2", "--out", d + "/b"])
        let rec2 = try FMCRun(["history", "record", d + "/b", "--history", db, "--build", "build-b"])
        #expect(rec2.status == 0, "\(rec2.stderr)")
        let list = try FMCRun(["history", "list", "--history", db, "--json"])
        #expect(list.status == 0)
        let runs = try stdoutJSON(list, as: [[String: Any]].self)
        #expect(runs.map { $0["build"] as? String } == ["build-a", "build-b"])
        #expect(runs.map { $0["runs"] as? Int } == [1, 2])
        #expect((runs[0]["inputs"] as? [String: String])?["mobility"]?.count == 64)
        let trend = try FMCRun(["history", "trend", "summary.rules.peak_total", "--history", db])
        #expect(trend.status == 0)
        #expect(trend.stdout.contains("build-a") && trend.stdout.contains("build-b"))
        #expect(trend.stdout.range(of: "build-a")!.lowerBound < trend.stdout.range(of: "build-b")!.lowerBound)
        let show = try FMCRun(["history", "show", "2", "--history", db, "--json"])
        let shown = try stdoutJSON(show)
        #expect(shown["build"] as? String == "build-b" && (shown["metrics"] as? [Any])?.isEmpty == false)
        #expect(try FMCRun(["history", "show", "99", "--history", db]).status == 1)
        let missing = try FMCRun(["history", "trend", "summary.rules.peak_totl", "--history", db])
        #expect(missing.status == 1 && missing.stderr.contains("summary.rules.peak_total"), "suggests the real name")
        #expect(try FMCRun(["history", "list", "--history", d + "/none.sqlite"]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: d + "/none.sqlite"), "reading never creates a history")
    }
}
