// A report.json as comparison and history see it: identity (scenario, controller, strategy,
// seed, input digests), the summary flattened into dotted metric paths, and the `repeat`
// section that `fmc replay --repeat N` adds (per-metric spread across seeds).

import FMCCore
import Foundation

/// One number of a report, by dotted path (`summary.install_latency_ms.p99`). `value` is nil
/// where the report says null (a quantile of an empty histogram): "no value" is kept apart
/// from a missing key so a comparison can tell "the candidate lost this figure" from zero.
public struct Metric: Sendable, Equatable {
    public var path: String
    public var value: Double?

    public init(path: String, value: Double?) {
        self.path = path
        self.value = value
    }
}

public enum MetricFlattener {
    /// Every number below `json`, in the report's key order, as `prefix.key.key…`; array
    /// elements are `prefix.key.0`, `.1`, … Strings and booleans are not metrics and are left
    /// out; null stays, with no value.
    public static func flatten(_ json: JSON, prefix: String) -> [Metric] {
        var out: [Metric] = []
        walk(json, prefix, &out)
        return out
    }

    static func walk(_ json: JSON, _ path: String, _ out: inout [Metric]) {
        switch json {
        case let .integer(i): out.append(Metric(path: path, value: Double(i)))
        case let .double(d): out.append(Metric(path: path, value: d.isFinite ? d : nil))
        case .null: out.append(Metric(path: path, value: nil))
        case .bool, .string: return
        case let .array(items):
            for (i, item) in items.enumerated() { walk(item, path + "." + String(i), &out) }
        case let .object(fields):
            for (k, v) in fields { walk(v, path.isEmpty ? k : path + "." + k, &out) }
        }
    }
}

/// n, mean, min, max and sample standard deviation (n − 1 in the denominator; 0 for one
/// value) of one metric across repeated runs.
public struct MetricStats: Sendable, Equatable {
    public var n: Int
    public var mean: Double
    public var min: Double
    public var max: Double
    public var stddev: Double

    public init(n: Int, mean: Double, min: Double, max: Double, stddev: Double) {
        self.n = n
        self.mean = mean
        self.min = min
        self.max = max
        self.stddev = stddev
    }

    /// nil for no values: a spread of nothing has no mean.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        n = values.count
        // Welford's update: stable for large counts with a small spread (rule peaks).
        var mean = 0.0, m2 = 0.0
        for (i, v) in values.enumerated() {
            let d = v - mean
            mean += d / Double(i + 1)
            m2 += d * (v - mean)
        }
        self.mean = mean
        min = values.min()!
        max = values.max()!
        stddev = n > 1 ? (m2 / Double(n - 1)).squareRoot() : 0
    }

    /// Means and deviations are rounded to 1e-9 so the text stays short and the same inputs
    /// still give the same bytes; report figures carry at most three decimals.
    public var json: JSON {
        .object([("n", .int(n)), ("mean", .double(Self.round(mean))), ("min", .double(min)), ("max", .double(max)),
                 ("stddev", .double(Self.round(stddev)))])
    }

    static func round(_ x: Double) -> Double { (x * 1e9).rounded() / 1e9 }

    public init?(json: JSON) {
        guard let n = json["n"]?.numberValue, let mean = json["mean"]?.numberValue, let min = json["min"]?.numberValue,
              let max = json["max"]?.numberValue, let sd = json["stddev"]?.numberValue else { return nil }
        self.init(n: Int(n), mean: mean, min: min, max: max, stddev: sd)
    }
}

/// The `repeat` section of a report: which seeds ran, where their reports are, and the
/// spread of every summary metric across them.
public struct RepeatSummary: Sendable {
    public var seeds: [Int64]
    /// Report paths relative to the folder holding the combined report.json.
    public var reports: [String]
    /// False when a run was interrupted or fewer runs finished than were asked for.
    public var complete: Bool
    public var requested: Int
    public var metrics: [(path: String, stats: MetricStats)]

    public init(seeds: [Int64], reports: [String], requested: Int, complete: Bool, metrics: [(path: String, stats: MetricStats)]) {
        self.seeds = seeds
        self.reports = reports
        self.requested = requested
        self.complete = complete
        self.metrics = metrics
    }

    /// Spread of every numeric summary metric over the reports, in the first report's order
    /// (paths that only later reports have come after). A metric that is null in some runs
    /// counts only the runs that have a value (n says how many); one null everywhere is left
    /// out.
    public static func aggregate(_ reports: [JSON]) -> [(path: String, stats: MetricStats)] {
        aggregate(metrics: reports.map { r in r["summary"].map { MetricFlattener.flatten($0, prefix: "summary") } ?? [] })
    }

    /// The same from each run's flattened summary (what a long repeat keeps instead of
    /// whole reports).
    public static func aggregate(metrics runs: [[Metric]]) -> [(path: String, stats: MetricStats)] {
        var order: [String] = []
        var values: [String: [Double]] = [:]
        for run in runs {
            for m in run {
                if values[m.path] == nil { order.append(m.path); values[m.path] = [] }
                if let v = m.value { values[m.path]!.append(v) }
            }
        }
        return order.compactMap { p in MetricStats(values[p]!).map { (p, $0) } }
    }

    /// `first` (the first seed's report) with this section added as `repeat` and `complete`
    /// false unless every run finished: a partial repeat must not pass for a whole one.
    public func attach(to first: JSON) -> JSON {
        let done = complete && (first["complete"]?.boolValue ?? false)
        return first.setting("complete", .bool(done)).setting("repeat", json)
    }

    public var json: JSON {
        .object([
            ("runs", .int(seeds.count)),
            ("requested", .int(requested)),
            ("complete", .bool(complete)),
            ("seeds", .array(seeds.map { .integer($0) })),
            ("reports", .array(reports.map { .string($0) })),
            ("stddev", .string("sample standard deviation (n - 1)")),
            ("metrics", .object(metrics.map { ($0.path, $0.stats.json) })),
        ])
    }

    public init?(json: JSON) {
        guard case let .object(fields)? = json["metrics"] else { return nil }
        var ms: [(path: String, stats: MetricStats)] = []
        for (k, v) in fields {
            guard let s = MetricStats(json: v) else { return nil }
            ms.append((k, s))
        }
        metrics = ms
        if case let .array(s)? = json["seeds"] { seeds = s.compactMap { $0.numberValue.map { Int64($0) } } } else { seeds = [] }
        if case let .array(r)? = json["reports"] { reports = r.compactMap(\.stringValue) } else { reports = [] }
        complete = json["complete"]?.boolValue ?? false
        requested = json["requested"]?.numberValue.map { Int($0) } ?? seeds.count
    }

    public func stats(_ path: String) -> MetricStats? { metrics.first(where: { $0.path == path })?.stats }
}

/// Why a report could not be read.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}

/// A report.json with what comparison and history need pulled out of it.
public struct RunReport: Sendable {
    /// The report.json path it was read from ("" when built in memory).
    public var path: String
    public var json: JSON
    public var schema: String?
    public var complete: Bool?
    public var mode: String?
    public var scenario: String?
    public var controller: String?
    public var strategy: String?
    public var seed: Int64?
    public var inputs: [(role: String, file: String, sha256: String)]
    public var metrics: [Metric]
    public var repeatSummary: RepeatSummary?

    public init(json: JSON, path: String = "") throws {
        guard case .object = json else { throw ReportError(file: path, message: "not a JSON object, so not an fmc report") }
        self.path = path
        self.json = json
        schema = json["schema"]?.stringValue
        complete = json["complete"]?.boolValue
        mode = json["mode"]?.stringValue
        scenario = json["scenario"]?.stringValue
        controller = json["controller"]?.stringValue
        strategy = json["strategy"]?.stringValue
        seed = json["seed"]?.numberValue.map { Int64($0) }
        var ins: [(role: String, file: String, sha256: String)] = []
        if case let .array(items)? = json["inputs"] {
            for i in items {
                if let role = i["role"]?.stringValue, let sha = i["sha256"]?.stringValue {
                    ins.append((role, i["file"]?.stringValue ?? "", sha))
                }
            }
        }
        inputs = ins
        metrics = json["summary"].map { MetricFlattener.flatten($0, prefix: "summary") } ?? []
        repeatSummary = json["repeat"].flatMap { RepeatSummary(json: $0) }
    }

    /// Reads `path`: a report.json, or a run folder holding one.
    public static func load(_ path: String) throws -> RunReport {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ReportError(file: path, message: "no such file or folder")
        }
        let file = isDir.boolValue ? (path as NSString).appendingPathComponent("report.json") : path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ReportError(file: file, message: isDir.boolValue ? "the folder has no readable report.json" : "cannot read")
        }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch {
            throw ReportError(file: file, message: "not JSON (\(error))")
        }
        return try RunReport(json: json, path: file)
    }

    public func value(_ path: String) -> Double? { metrics.first(where: { $0.path == path })?.value }

    public func digest(_ role: String) -> String? { inputs.first(where: { $0.role == role })?.sha256 }
}
