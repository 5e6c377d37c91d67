// `fmc replay`: a mobility trace and a capture, replayed against the emulated FMC cluster.

import ArgumentParser
import FMCCapture
import FMCCompare
import FMCCore
import FMCEmulation
import FMCHistory
import FMCReplay
import FMCReport
import FMCScenario
import FMCTimeline
import FMCTrace
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; the replay stops at the next check and writes a partial report.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay handovers and traffic against the emulated FMC controller cluster.",
        discussion: """
            Writes DIR/report.json (schema docs/report.schema.json) and prints a summary. The \
            mobility trace and capture default to the scenario's `inputs`. Exit status: 0 when \
            the replay completed, 1 on bad input or when interrupted (a partial report marked \
            "complete": false is still written), 64 on a usage error.

            --repeat N runs seeds seed, seed+1, …, seed+N-1, writes each run's report to \
            DIR/runs/seed-K/report.json and makes DIR/report.json the first seed's report plus \
            a `repeat` section: n, mean, min, max and sample standard deviation of every \
            numeric summary metric across the seeds (what `fmc compare` uses to tell a \
            regression from seed noise).

            --record adds the run (for --repeat, its means and spread) to the run history \
            (`fmc history`), labelled with --build, else $FMC_BUILD_LABEL, else `git describe` \
            of the current folder, else "unlabelled".
            """)

    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Option(help: "Mobility trace (default: the scenario's inputs.mobility).")
    var mobility: String?

    @Option(help: "Capture (default: the scenario's inputs.capture).")
    var capture: String?

    @Option(help: "Controller mode: centralized or distributed (default: the scenario's).")
    var controller: ControllerMode?

    @Option(help: "Handover strategy: reactive, proactive or make-before-break.")
    var strategy: HandoverStrategy = .reactive

    @Option(help: "Seed of every random draw (install times); reports carry it.")
    var seed: UInt64 = 1

    @Option(help: "Output folder.")
    var out: String = "Reports/replay"

    @Option(help: "How capture time meets trace time: start or absolute.")
    var align: TimelineOptions.Align = .start

    @Option(help: "Multiply capture durations by this factor.")
    var scale: Double = 1

    @Flag(help: "Repeat the capture until the trace's last event.")
    var loop = false

    @Option(help: "Only replay packets matching this tcpdump filter expression.")
    var filter: String?

    @Option(help: "Keep at most this many per-handover and per-rule entries in the report.")
    var detailLimit: Int = 10_000

    @Flag(help: "Print the report's summary as JSON instead of a table.")
    var json = false

    @Option(name: .customLong("repeat"), help: "Run this many seeds from --seed on and add their spread to the report.")
    var repeatCount: Int = 1

    @Flag(help: "Record the run in the run history.")
    var record = false

    @Option(help: "Run history database for --record.")
    var history: String = HistoryCommand.defaultPath

    @Option(help: "Build label for --record.")
    var build: String?

    @Flag(help: "Write only report.json, not report.md, report.html and csv/ (see `fmc report`).")
    var noPages = false

    @OptionGroup var trace: TraceInputOptions

    func validate() throws {
        guard scale > 0, scale.isFinite else { throw ValidationError("--scale must be a positive number") }
        guard detailLimit >= 0 else { throw ValidationError("--detail-limit must not be negative") }
        guard repeatCount >= 1 && repeatCount <= 1000 else { throw ValidationError("--repeat must be between 1 and 1000") }
        guard seed <= UInt64.max - UInt64(repeatCount - 1) else { throw ValidationError("--seed plus --repeat runs past the largest seed") }
    }

    func run() throws {
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
        // A parent may start us with these signals blocked (test runners, some supervisors):
        // they would then stay pending and the partial report would never be written.
        var interrupts = sigset_t()
        sigemptyset(&interrupts)
        sigaddset(&interrupts, SIGINT)
        sigaddset(&interrupts, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &interrupts, nil)
        let result: ReplayResult
        var complete: Bool
        do {
            let loaded = try ScenarioLoader.load(path: scenario)
            let distributed = (controller ?? loaded.controllerMode) == .distributed
            let s = Replay.scenario(loaded, distributed: distributed)
            result = try Replay.run(try inputs(s, distributed: distributed, seed: seed))
            if isatty(2) != 0 { fputs("\r\u{1B}[K", stderr) }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var report = ReplayReport.json(result)
            complete = result.complete
            if repeatCount > 1 {
                report = try repeatRuns(first: report) { try Replay.run(try inputs(s, distributed: distributed, seed: $0)) }
                complete = report["complete"]?.boolValue ?? false
            }
            try ReplayReport.writeAtomically(report.pretty, to: out + "/report.json")
            print(json ? summaryJSON(report) : ReplaySummary.table(result), terminator: "")
            if !json { print("Wrote \(out)/report.json") }
            if !json, let rep = report["repeat"].flatMap(RepeatSummary.init(json:)) { print(repeatTable(rep), terminator: "") }
            if record { try recordRun(report) }

            if !noPages {
                try ReportPages.write(report: report, to: out, formats: [.all])
                if !json { print("Wrote \(out)/report.md, report.html and csv/") }
            }
        } catch {
            throw fail(error)
        }
        if !complete {
            fputs("fmc: interrupted: the report is partial (\"complete\": false)\n", stderr)
            throw ExitCode(1)
        }
    }

    /// The replay's inputs for one seed. The mobility trace is a stream, so each run opens it anew.
    func inputs(_ s: Scenario, distributed: Bool, seed: UInt64) throws -> ReplayInputs {
        var inputs = ReplayInputs(scenarioPath: scenario, scenario: s)
        inputs.mobilityPath = mobility ?? s.mobilityFile
        inputs.capturePath = capture ?? s.captureFile
        if let m = inputs.mobilityPath {
            let format = trace.format ?? s.mobilityFormat.flatMap { MobilityFormat(rawValue: $0) }
            inputs.mobility = try MobilityTrace.open(m, format: format, options: trace.mobilityOptions)
        }
        inputs.filter = try filter.map { try PacketFilter(expression: $0) }
        inputs.timeline.align = align
        inputs.timeline.scale = scale
        inputs.timeline.loop = loop
        inputs.settings.distributed = distributed
        inputs.settings.strategy = strategy
        inputs.settings.seed = seed
        inputs.detailLimit = detailLimit
        if isatty(2) != 0 { inputs.progress = { n in fputs("\r\(n) events…", stderr) } }
        inputs.shouldStop = { stopRequested != 0 }
        return inputs
    }

    /// Runs seeds seed+1 … seed+N-1 after the first, writes every run's report under
    /// DIR/runs/seed-K/, and returns the first report with the `repeat` section. Between runs
    /// only each run's flattened summary is kept, not its whole report.
    func repeatRuns(first: JSON, run: (UInt64) throws -> ReplayResult) throws -> JSON {
        var seeds: [Int64] = [], paths: [String] = [], summaries: [[Metric]] = []
        var complete = true
        func keep(_ report: JSON, _ k: UInt64) throws {
            let dir = "runs/seed-\(k)"
            try FileManager.default.createDirectory(atPath: out + "/" + dir, withIntermediateDirectories: true)
            try ReplayReport.writeAtomically(report.pretty, to: out + "/" + dir + "/report.json")
            seeds.append(Int64(bitPattern: k))
            paths.append(dir + "/report.json")
            summaries.append(report["summary"].map { MetricFlattener.flatten($0, prefix: "summary") } ?? [])
            complete = complete && (report["complete"]?.boolValue ?? false)
        }
        try keep(first, seed)
        for i in 1..<UInt64(repeatCount) where complete && stopRequested == 0 {
            if isatty(2) != 0 { fputs("\rseed \(seed + i) (\(i + 1) of \(repeatCount))… ", stderr) }
            let r = try run(seed + i)
            if isatty(2) != 0 { fputs("\r\u{1B}[K", stderr) }
            try keep(ReplayReport.json(r), seed + i)
        }
        let summary = RepeatSummary(seeds: seeds, reports: paths, requested: repeatCount,
                                    complete: complete && seeds.count == repeatCount, metrics: RepeatSummary.aggregate(metrics: summaries))
        return summary.attach(to: first)
    }

    /// The metrics that vary across the seeds, and those `fmc compare` judges by default.
    func repeatTable(_ rep: RepeatSummary) -> String {
        var out = "Repeated \(rep.seeds.count) seeds (\(rep.seeds.map(String.init).joined(separator: ", "))); mean ±sd [min, max]:\n"
        let shown = rep.metrics.filter { m in m.stats.stddev > 0 || ThresholdRules.rule(for: m.path, overrides: []) != nil }
        let width = shown.map(\.path.count).max() ?? 0
        for (p, s) in shown {
            out += "  " + p.padding(toLength: width, withPad: " ", startingAt: 0)
            out += "  \(Format.number(s.mean)) ±\(Format.number(s.stddev)) [\(Format.number(s.min)), \(Format.number(s.max))]\n"
        }
        return out
    }

    func recordRun(_ report: JSON) throws {
        let store = try HistoryStore(path: history)
        let label = BuildLabel.resolve(explicit: build, environment: ProcessInfo.processInfo.environment,
                                       directory: FileManager.default.currentDirectoryPath)
        let id = try store.record(try RunReport(json: report, path: out + "/report.json"), build: label, recordedAt: Date())
        // stdout stays pure JSON under --json.
        fputs("Recorded run \(id) in \(history) (build \(label))\n", json ? stderr : stdout)
    }

    func summaryJSON(_ report: JSON) -> String {
        guard case let .object(f) = report, let s = f.first(where: { $0.0 == "summary" }) else { return "{}\n" }
        return s.1.pretty
    }
}

extension ControllerMode: ExpressibleByArgument {}
extension HandoverStrategy: ExpressibleByArgument {}
