// Run history: every recorded replay (which build, which inputs, when) and its summary
// metrics, in SQLite through GRDB, so a metric can be followed across controller builds.
//
// Schema (migration "v1"):
//   runs(id, recorded_at, scenario, controller, strategy, mode, seed, runs, build,
//        scenario_sha256, mobility_sha256, capture_sha256, report_path, complete)
//   metrics(run_id → runs.id, path, value, n, min, max, stddev)   primary key (run_id, path)
// A run recorded from `--repeat N` is one row with runs = N; its metric values are the means
// and n/min/max/stddev carry the spread. Single runs have n = 1 and no spread.

import FMCCompare
import Foundation
import GRDB

public struct HistoryRun: Sendable, Equatable {
    public var id: Int64
    public var recordedAt: Date
    public var scenario: String
    public var controller: String
    public var strategy: String
    public var mode: String
    public var seed: Int64?
    /// Seeds aggregated into this row (1 for a single run).
    public var runs: Int
    public var build: String
    public var scenarioSHA256: String?
    public var mobilitySHA256: String?
    public var captureSHA256: String?
    public var reportPath: String
    public var complete: Bool
}

public struct HistoryMetric: Sendable, Equatable {
    public var path: String
    /// The value, or the mean over the run's seeds; nil where the report had null.
    public var value: Double?
    public var n: Int
    public var min: Double?
    public var max: Double?
    public var stddev: Double?
}

public struct TrendPoint: Sendable {
    public var run: HistoryRun
    public var metric: HistoryMetric
}

public struct HistoryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public final class HistoryStore {
    public let path: String
    let db: DatabaseQueue

    /// The schema's migrations, in order. Add new ones at the end; never edit a shipped one.
    public static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    recorded_at TEXT NOT NULL,
                    scenario TEXT NOT NULL,
                    controller TEXT NOT NULL,
                    strategy TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    seed INTEGER,
                    runs INTEGER NOT NULL DEFAULT 1,
                    build TEXT NOT NULL,
                    scenario_sha256 TEXT,
                    mobility_sha256 TEXT,
                    capture_sha256 TEXT,
                    report_path TEXT NOT NULL,
                    complete BOOLEAN NOT NULL
                );
                CREATE INDEX runs_by_scenario_time ON runs(scenario, recorded_at);
                CREATE TABLE metrics (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    value REAL,
                    n INTEGER NOT NULL,
                    min REAL,
                    max REAL,
                    stddev REAL,
                    PRIMARY KEY (run_id, path)
                );
                CREATE INDEX metrics_by_path ON metrics(path);
                """)
        }
        return m
    }

    /// Opens (creating it and its folder if needed) the history at `path` and brings its
    /// schema up to date. Opening an up-to-date history changes nothing.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.foreignKeysEnabled = true
        do {
            db = try DatabaseQueue(path: path, configuration: config)
            try Self.migrator.migrate(db)
        } catch let e as DatabaseError {
            throw HistoryError("\(path): \(e.message ?? "\(e)")")
        }
    }

    public func appliedMigrations() throws -> [String] {
        try db.read { try Self.migrator.appliedMigrations($0) }
    }

    /// Records `report` (its summary, or its repeat means and spread) as one run and returns
    /// its id. `recordedAt` comes from the caller: the library never reads the clock.
    @discardableResult
    public func record(_ report: RunReport, build: String, recordedAt: Date) throws -> Int64 {
        guard let scenario = report.scenario, let controller = report.controller, let strategy = report.strategy else {
            throw HistoryError("\(report.path): not an fmc report (no scenario, controller or strategy)")
        }
        let reportPath = report.path.isEmpty ? "" : URL(fileURLWithPath: report.path).standardizedFileURL.path
        var metrics: [HistoryMetric] = []
        if let rep = report.repeatSummary {
            for (p, s) in rep.metrics { metrics.append(HistoryMetric(path: p, value: s.mean, n: s.n, min: s.min, max: s.max, stddev: s.stddev)) }
        } else {
            for m in report.metrics { metrics.append(HistoryMetric(path: m.path, value: m.value, n: m.value == nil ? 0 : 1, min: nil, max: nil, stddev: nil)) }
        }
        let complete = report.complete == true && (report.repeatSummary?.complete ?? true)
        return try db.write { db in
            try db.execute(sql: """
                INSERT INTO runs (recorded_at, scenario, controller, strategy, mode, seed, runs, build,
                                  scenario_sha256, mobility_sha256, capture_sha256, report_path, complete)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Self.timestamp(recordedAt), scenario, controller, strategy, report.mode ?? "emulated",
                                 report.seed, report.repeatSummary?.seeds.count ?? 1, build,
                                 report.digest("scenario"), report.digest("mobility"), report.digest("capture"),
                                 reportPath, complete])
            let id = db.lastInsertedRowID
            // Paths repeat within a report only if a key repeats; keep the first, as compare does.
            var seen = Set<String>()
            for m in metrics where seen.insert(m.path).inserted {
                try db.execute(sql: "INSERT INTO metrics (run_id, path, value, n, min, max, stddev) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [id, m.path, m.value, m.n, m.min, m.max, m.stddev])
            }
            return id
        }
    }

    /// Runs in time order (oldest first), optionally of one scenario; `limit` keeps the newest.
    public func runs(scenario: String? = nil, limit: Int? = nil) throws -> [HistoryRun] {
        try db.read { db in
            var sql = "SELECT * FROM runs"
            var args: StatementArguments = []
            if let scenario { sql += " WHERE scenario = ?"; args += [scenario] }
            sql += " ORDER BY recorded_at DESC, id DESC"
            if let limit { sql += " LIMIT ?"; args += [limit] }
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.run).reversed()
        }
    }

    public func run(id: Int64) throws -> HistoryRun? {
        try db.read { db in try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(Self.run) }
    }

    /// A run's metrics in the order they were recorded (the report's order).
    public func metrics(runID: Int64) throws -> [HistoryMetric] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM metrics WHERE run_id = ? ORDER BY rowid", arguments: [runID]).map(Self.metric)
        }
    }

    /// Paths ever recorded that match `pattern` (glob), for telling a user what exists.
    public func metricPaths(matching pattern: String) throws -> [String] {
        let all = try db.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT path FROM metrics ORDER BY path") }
        return all.filter { Glob.matches(pattern, $0) }
    }

    /// One metric across recorded runs in time order (recorded_at, then id), optionally
    /// narrowed to a scenario, controller mode and strategy.
    public func trend(metric: String, scenario: String? = nil, controller: String? = nil, strategy: String? = nil) throws -> [TrendPoint] {
        try db.read { db in
            var sql = """
                SELECT runs.*, metrics.path AS m_path, metrics.value AS m_value, metrics.n AS m_n, metrics.min AS m_min,
                       metrics.max AS m_max, metrics.stddev AS m_stddev
                FROM metrics JOIN runs ON runs.id = metrics.run_id
                WHERE metrics.path = ?
                """
            var args: StatementArguments = [metric]
            for (column, value) in [("scenario", scenario), ("controller", controller), ("strategy", strategy)] {
                if let value { sql += " AND runs.\(column) = ?"; args += [value] }
            }
            sql += " ORDER BY runs.recorded_at, runs.id"
            return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                TrendPoint(run: Self.run(row), metric: HistoryMetric(
                    path: row["m_path"], value: row["m_value"], n: row["m_n"], min: row["m_min"], max: row["m_max"], stddev: row["m_stddev"]))
            }
        }
    }

    static func run(_ row: Row) -> HistoryRun {
        HistoryRun(
            id: row["id"], recordedAt: parseTimestamp(row["recorded_at"]) ?? Date(timeIntervalSince1970: 0),
            scenario: row["scenario"], controller: row["controller"], strategy: row["strategy"], mode: row["mode"],
            seed: row["seed"], runs: row["runs"], build: row["build"], scenarioSHA256: row["scenario_sha256"],
            mobilitySHA256: row["mobility_sha256"], captureSHA256: row["capture_sha256"], reportPath: row["report_path"],
            complete: row["complete"])
    }

    static func metric(_ row: Row) -> HistoryMetric {
        HistoryMetric(path: row["path"], value: row["value"], n: row["n"], min: row["min"], max: row["max"], stddev: row["stddev"])
    }

    /// UTC with milliseconds: sorts as text in time order.
    public static func timestamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: d)
    }

    static func parseTimestamp(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }
}

/// A one-line picture of a series: ▁ for its lowest value, █ for its highest, a space where a
/// run had no value.
public enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public static func render(_ values: [Double?]) -> String {
        let present = values.compactMap { $0 }
        guard let lo = present.min(), let hi = present.max() else { return String(repeating: " ", count: values.count) }
        return String(values.map { v -> Character in
            guard let v else { return " " }
            if hi == lo { return bars[bars.count / 2] }
            let i = Int(((v - lo) / (hi - lo) * Double(bars.count - 1)).rounded())
            return bars[Swift.min(Swift.max(i, 0), bars.count - 1)]
        })
    }
}

/// The build label a recorded run carries.
public enum BuildLabel {
    /// `explicit` (--build), else $FMC_BUILD_LABEL, else `git describe --always --dirty` of
    /// `directory` when it is in a git work tree, else "unlabelled".
    public static func resolve(explicit: String?, environment: [String: String], directory: String) -> String {
        if let e = explicit, !e.isEmpty { return e }
        if let e = environment["FMC_BUILD_LABEL"], !e.isEmpty { return e }
        return gitDescribe(directory) ?? "unlabelled"
    }

    static func gitDescribe(_ directory: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", directory, "describe", "--always", "--dirty", "--tags"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        let s = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}
