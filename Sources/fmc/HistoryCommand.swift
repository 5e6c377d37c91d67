// `fmc history`: recorded replays across controller builds (SQLite), listed, shown, and one
// metric followed over time.

import ArgumentParser
import FMCCompare
import FMCCore
import FMCHistory
import Foundation

struct HistoryCommand: ParsableCommand {
    static let defaultPath = "Reports/history.sqlite"

    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The run history: replays recorded with `fmc replay --record` or `fmc history record`.",
        discussion: """
            The history is an SQLite file (default \(defaultPath)): one row per recorded run \
            (time, scenario, controller mode, strategy, seed, build label, input digests, \
            report path, complete) and its summary metrics by flattened path, e.g. \
            summary.install_latency_ms.p99. A run made with --repeat is one row whose metric \
            values are the means over its seeds. Exit status: 0, 1 on a missing history, run or \
            metric, 64 on a usage error.
            """,
        subcommands: [List.self, Show.self, Trend.self, Record.self])

    struct Location: ParsableArguments {
        @Option(help: "Run history database.")
        var history: String = HistoryCommand.defaultPath

        /// An existing history; reading commands never create one.
        func open() throws -> HistoryStore {
            guard FileManager.default.fileExists(atPath: history) else {
                throw HistoryError("no run history at \(history) (record runs with `fmc replay --record` or `fmc history record`)")
            }
            return try HistoryStore(path: history)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recorded runs, oldest first.")
        @OptionGroup var location: Location
        @Option(help: "Only runs of this scenario (its name).") var scenario: String?
        @Option(help: "Only the newest N runs.") var limit: Int?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            do {
                let runs = try location.open().runs(scenario: scenario, limit: limit)
                if json {
                    print(JSON.array(runs.map(runJSON)).pretty, terminator: "")
                    return
                }
                var rows = [["id", "recorded (UTC)", "scenario", "controller", "strategy", "seed", "runs", "build", "complete", "report"]]
                for r in runs {
                    rows.append([String(r.id), shortTime(r.recordedAt), r.scenario, r.controller, r.strategy,
                                 r.seed.map(String.init) ?? "-", String(r.runs), r.build, r.complete ? "yes" : "NO", r.reportPath])
                }
                print(columns(rows), terminator: "")
                if runs.isEmpty { print("(no runs recorded\(scenario.map { " for scenario \($0)" } ?? ""))") }
            } catch {
                throw fail(error)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One recorded run and all its metrics.")
        @Argument(help: "Run id (see `fmc history list`).") var id: Int64
        @OptionGroup var location: Location
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            do {
                let store = try location.open()
                guard let r = try store.run(id: id) else { throw HistoryError("no run \(id) in \(location.history)") }
                let metrics = try store.metrics(runID: id)
                if json {
                    print(runJSON(r).setting("metrics", .array(metrics.map(metricJSON))).pretty, terminator: "")
                    return
                }
                var out = "run \(r.id): \(r.scenario), \(r.controller), \(r.strategy), seed \(r.seed.map(String.init) ?? "-")"
                out += r.runs > 1 ? " (\(r.runs) seeds; values are means)\n" : "\n"
                out += "  recorded  \(shortTime(r.recordedAt)) UTC\n  build     \(r.build)\n  complete  \(r.complete ? "yes" : "NO")\n"
                out += "  report    \(r.reportPath)\n"
                for (role, d) in [("scenario", r.scenarioSHA256), ("mobility", r.mobilitySHA256), ("capture", r.captureSHA256)] {
                    if let d { out += "  \(role.padding(toLength: 9, withPad: " ", startingAt: 0)) sha256 \(d)\n" }
                }
                print(out)
                var rows = [["metric", "value", "sd", "n"]]
                for m in metrics {
                    rows.append([m.path, m.value.map(Format.number) ?? "-", m.stddev.map(Format.number) ?? "", String(m.n)])
                }
                print(columns(rows, rightAligned: [1, 2, 3]), terminator: "")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Trend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One metric across recorded runs, in time order, with a sparkline.",
            discussion: "METRIC is a flattened summary path, e.g. summary.install_latency_ms.p99 or summary.rules.per_switch_peak.s1.")
        @Argument(help: "Metric path.") var metric: String
        @OptionGroup var location: Location
        @Option(help: "Only runs of this scenario.") var scenario: String?
        @Option(help: "Only runs with this controller mode.") var controller: String?
        @Option(help: "Only runs with this handover strategy.") var strategy: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            do {
                let store = try location.open()
                let points = try store.trend(metric: metric, scenario: scenario, controller: controller, strategy: strategy)
                if points.isEmpty, try store.metricPaths(matching: metric).isEmpty {
                    // Suggest the metric's siblings, else paths sharing its last part.
                    let parts = metric.split(separator: ".")
                    var near = try store.metricPaths(matching: parts.dropLast().joined(separator: ".") + ".*")
                    if near.isEmpty, let last = parts.last { near = try store.metricPaths(matching: "*\(last)*") }
                    near = Array(near.prefix(10))
                    throw HistoryError("no metric \(metric) in \(location.history)" + (near.isEmpty ? "" : "; recorded metrics like it: " + near.joined(separator: ", ")))
                }
                if json {
                    print(JSON.object([
                        ("metric", .string(metric)),
                        ("points", .array(points.map { p in runJSON(p.run).setting("metric", metricJSON(p.metric)) })),
                    ]).pretty, terminator: "")
                    return
                }
                let values = points.map(\.metric.value)
                print("\(metric): \(points.count) run\(points.count == 1 ? "" : "s")\(scenario.map { " of \($0)" } ?? "")  \(Sparkline.render(values))")
                var rows = [["id", "recorded (UTC)", "build", "scenario", "controller", "strategy", "seed", "value", "sd", "change"]]
                var previous: Double?
                for p in points {
                    let v = p.metric.value
                    var change = ""
                    if let v, let prev = previous {
                        change = Format.signed(v - prev)
                        if prev != 0 { change += " (" + Format.signed(((v - prev) / abs(prev) * 1000).rounded() / 10) + "%)" }
                    }
                    if v != nil { previous = v }
                    rows.append([String(p.run.id), shortTime(p.run.recordedAt), p.run.build, p.run.scenario, p.run.controller, p.run.strategy,
                                 p.run.runs > 1 ? "\(p.run.seed.map(String.init) ?? "-")×\(p.run.runs)" : p.run.seed.map(String.init) ?? "-",
                                 v.map(Format.number) ?? "-", p.metric.stddev.map(Format.number) ?? "", change])
                }
                print(columns(rows, rightAligned: [7, 8, 9]), terminator: "")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record an existing run folder (or report.json) in the history.")
        @Argument(help: "Run folder or report.json.") var path: String
        @OptionGroup var location: Location
        @Option(help: "Build label (default: $FMC_BUILD_LABEL, else `git describe` of the current folder, else \"unlabelled\").")
        var build: String?

        func run() throws {
            do {
                let report = try RunReport.load(path)
                guard report.schema == Comparator.supportedSchema else {
                    throw HistoryError("\(report.path): schema \(report.schema ?? "missing"), expected \(Comparator.supportedSchema)")
                }
                let label = BuildLabel.resolve(explicit: build, environment: ProcessInfo.processInfo.environment,
                                               directory: FileManager.default.currentDirectoryPath)
                let id = try HistoryStore(path: location.history).record(report, build: label, recordedAt: Date())
                print("Recorded run \(id) in \(location.history) (build \(label))")
            } catch {
                throw fail(error)
            }
        }
    }
}

func runJSON(_ r: HistoryRun) -> JSON {
    .object([
        ("id", .integer(r.id)),
        ("recorded_at", .string(HistoryStore.timestamp(r.recordedAt))),
        ("scenario", .string(r.scenario)),
        ("controller", .string(r.controller)),
        ("strategy", .string(r.strategy)),
        ("mode", .string(r.mode)),
        ("seed", r.seed.map { .integer($0) } ?? .null),
        ("runs", .int(r.runs)),
        ("build", .string(r.build)),
        ("inputs", .object([("scenario", r.scenarioSHA256), ("mobility", r.mobilitySHA256), ("capture", r.captureSHA256)]
            .compactMap { k, v in v.map { (k, JSON.string($0)) } })),
        ("report", .string(r.reportPath)),
        ("complete", .bool(r.complete)),
    ])
}

func metricJSON(_ m: HistoryMetric) -> JSON {
    var f: [(String, JSON)] = [("path", .string(m.path)), ("value", m.value.map { .double($0) } ?? .null), ("n", .int(m.n))]
    if let v = m.min { f.append(("min", .double(v))) }
    if let v = m.max { f.append(("max", .double(v))) }
    if let v = m.stddev { f.append(("stddev", .double(v))) }
    return .object(f)
}

/// "2026-11-25 09:21:55" (UTC).
func shortTime(_ d: Date) -> String {
    let s = HistoryStore.timestamp(d)
    return String(s.prefix(19)).replacingOccurrences(of: "T", with: " ")
}

/// Left-aligned text columns (right-aligned where asked), two spaces apart.
func columns(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    guard let n = rows.first?.count else { return "" }
    var widths = [Int](repeating: 0, count: n)
    for r in rows { for (i, c) in r.enumerated() where i < n { widths[i] = max(widths[i], c.count) } }
    var out = ""
    for r in rows {
        var line = ""
        for (i, c) in r.enumerated() where i < n {
            let pad = String(repeating: " ", count: widths[i] - c.count)
            line += rightAligned.contains(i) ? pad + c : c + pad
            if i < n - 1 { line += "  " }
        }
        while line.hasSuffix(" ") { line.removeLast() }
        out += line + "\n"
    }
    return out
}
