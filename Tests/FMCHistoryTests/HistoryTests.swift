// The run history on a temporary SQLite file: migration, recording, listing, trends.

import FMCCompare
import FMCCore
import FMCHistory
import Foundation
import Testing

@Suite("history (SQLite through GRDB)")
struct HistoryTests {
    func tempDB() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fmc-history-\(UUID().uuidString)/h.sqlite").path
    }

    func cleanup(_ db: String) { try? FileManager.default.removeItem(atPath: (db as NSString).deletingLastPathComponent) }

    func report(scenario: String = "s", seed: Int64 = 1, p99: Double?, peak: Int = 10, complete: Bool = true) throws -> RunReport {
        let summary: JSON = .object([
            ("handovers", .integer(3)),
            ("rules", .object([("peak_total", .int(peak)), ("per_switch_peak", .object([("s1", .int(peak))]))])),
            ("install_latency_ms", .object([("p99", p99.map { .double($0) } ?? .null), ("count", .integer(9))])),
        ])
        let json: JSON = .object([
            ("schema", .string("fmc-report/1")), ("complete", .bool(complete)), ("mode", .string("emulated")),
            ("controller", .string("distributed")), ("strategy", .string("reactive")), ("seed", .integer(seed)),
            ("scenario", .string(scenario)),
            ("inputs", .array([.object([("role", .string("mobility")), ("file", .string("m.csv")), ("sha256", .string(String(repeating: "e", count: 64)))])])),
            ("summary", summary),
        ])
        return try RunReport(json: json, path: "/tmp/r\(seed)/report.json")
    }

    @Test("opening twice migrates once and keeps what was recorded")
    func migrationIdempotent() throws {
        let path = tempDB()
        defer { cleanup(path) }
        let h = try HistoryStore(path: path)
        #expect(try h.appliedMigrations() == ["v1"])
        try h.record(try report(p99: 1), build: "b1", recordedAt: Date(timeIntervalSince1970: 1000))
        let again = try HistoryStore(path: path)
        #expect(try again.appliedMigrations() == ["v1"])
        #expect(try again.runs().count == 1)
        let third = try HistoryStore(path: path)
        #expect(try third.runs().map(\.build) == ["b1"])
    }

    @Test("record and show: run row, input digests, metrics in report order, nulls kept")
    func recordAndShow() throws {
        let path = tempDB()
        defer { cleanup(path) }
        let h = try HistoryStore(path: path)
        let id = try h.record(try report(seed: 7, p99: nil, peak: 12), build: "v1.2-3-gabc", recordedAt: Date(timeIntervalSince1970: 1_700_000_000.5))
        let run = try #require(try h.run(id: id))
        #expect(run.scenario == "s" && run.controller == "distributed" && run.strategy == "reactive" && run.seed == 7)
        #expect(run.build == "v1.2-3-gabc" && run.complete && run.runs == 1)
        #expect(run.mobilitySHA256 == String(repeating: "e", count: 64) && run.captureSHA256 == nil)
        #expect(run.reportPath == "/tmp/r7/report.json")
        #expect(run.recordedAt == Date(timeIntervalSince1970: 1_700_000_000.5))
        let m = try h.metrics(runID: id)
        #expect(m.map(\.path) == ["summary.handovers", "summary.rules.peak_total", "summary.rules.per_switch_peak.s1",
                                  "summary.install_latency_ms.p99", "summary.install_latency_ms.count"])
        #expect(m[1].value == 12 && m[1].n == 1 && m[1].stddev == nil)
        #expect(m[3].value == nil && m[3].n == 0)
        #expect(try h.run(id: id + 1) == nil)
        #expect(try h.metricPaths(matching: "*peak*") == ["summary.rules.peak_total", "summary.rules.per_switch_peak.s1"])
    }

    @Test("a repeated run is one row with means and spread")
    func recordRepeat() throws {
        let path = tempDB()
        defer { cleanup(path) }
        let h = try HistoryStore(path: path)
        let runs = try [1.0, 2.0, 3.0].enumerated().map { try report(seed: Int64($0.offset + 1), p99: $0.element).json }
        let rep = RepeatSummary(seeds: [1, 2, 3], reports: [], requested: 3, complete: true, metrics: RepeatSummary.aggregate(runs))
        let combined = try RunReport(json: runs[0].setting("repeat", rep.json), path: "/tmp/x/report.json")
        let id = try h.record(combined, build: "b", recordedAt: Date(timeIntervalSince1970: 5))
        #expect(try h.run(id: id)?.runs == 3)
        let p99 = try #require(try h.metrics(runID: id).first { $0.path == "summary.install_latency_ms.p99" })
        #expect(p99.value == 2 && p99.n == 3 && p99.min == 1 && p99.max == 3 && p99.stddev == 1)
    }

    @Test("list and trend are in time order whatever the order of recording; filters narrow them")
    func trendOrder() throws {
        let path = tempDB()
        defer { cleanup(path) }
        let h = try HistoryStore(path: path)
        // Recorded out of time order on purpose.
        try h.record(try report(p99: 3), build: "c", recordedAt: Date(timeIntervalSince1970: 300))
        try h.record(try report(p99: 1), build: "a", recordedAt: Date(timeIntervalSince1970: 100))
        try h.record(try report(scenario: "other", p99: 9), build: "x", recordedAt: Date(timeIntervalSince1970: 150))
        try h.record(try report(p99: 2), build: "b", recordedAt: Date(timeIntervalSince1970: 200))
        #expect(try h.runs().map(\.build) == ["a", "x", "b", "c"])
        #expect(try h.runs(scenario: "s").map(\.build) == ["a", "b", "c"])
        #expect(try h.runs(limit: 2).map(\.build) == ["b", "c"], "the newest, oldest first")
        let t = try h.trend(metric: "summary.install_latency_ms.p99", scenario: "s")
        #expect(t.map(\.run.build) == ["a", "b", "c"])
        #expect(t.map(\.metric.value) == [1, 2, 3])
        #expect(try h.trend(metric: "summary.install_latency_ms.p99").count == 4)
        #expect(try h.trend(metric: "summary.install_latency_ms.p99", strategy: "proactive").isEmpty)
        #expect(try h.trend(metric: "summary.no_such").isEmpty)
        // Same timestamp: insertion order decides.
        try h.record(try report(p99: 4), build: "d1", recordedAt: Date(timeIntervalSince1970: 400))
        try h.record(try report(p99: 5), build: "d2", recordedAt: Date(timeIntervalSince1970: 400))
        #expect(try h.trend(metric: "summary.install_latency_ms.p99", scenario: "s").map(\.run.build).suffix(2) == ["d1", "d2"])
    }

    @Test("sparkline: lowest ▁, highest █, gaps for missing values")
    func sparkline() {
        #expect(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.render([5, nil, 5]) == "▅ ▅")
        #expect(Sparkline.render([0, 10, 5]) == "▁█▅")
        #expect(Sparkline.render([]) == "")
    }

    @Test("build label: --build, then $FMC_BUILD_LABEL, then git describe, then unlabelled")
    func buildLabel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-nogit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(BuildLabel.resolve(explicit: "mine", environment: ["FMC_BUILD_LABEL": "env"], directory: dir) == "mine")
        #expect(BuildLabel.resolve(explicit: nil, environment: ["FMC_BUILD_LABEL": "env"], directory: dir) == "env")
        #expect(BuildLabel.resolve(explicit: nil, environment: [:], directory: dir) == "unlabelled")
        // This test file lives in a git work tree (when the tests run from a checkout).
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: URL(fileURLWithPath: repo).appendingPathComponent("../../.git").standardizedFileURL.path) {
            let label = BuildLabel.resolve(explicit: nil, environment: [:], directory: repo)
            #expect(label != "unlabelled" && !label.isEmpty)
        }
    }

    @Test("a file that is not a history is an error naming it")
    func notADatabase() throws {
        let path = tempDB()
        defer { cleanup(path) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try String(repeating: "not sqlite ", count: 100).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: HistoryError.self) { try HistoryStore(path: path) }
    }
}
