// `fmc replay`: a mobility trace and a capture, replayed against the emulated FMC cluster.

import ArgumentParser
import FMCCapture
import FMCCore
import FMCEmulation
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

    @Flag(help: "Write only report.json, not report.md, report.html and csv/ (see `fmc report`).")
    var noPages = false

    @OptionGroup var trace: TraceInputOptions

    func validate() throws {
        guard scale > 0, scale.isFinite else { throw ValidationError("--scale must be a positive number") }
        guard detailLimit >= 0 else { throw ValidationError("--detail-limit must not be negative") }
    }

    func run() throws {
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
        let result: ReplayResult
        do {
            let loaded = try ScenarioLoader.load(path: scenario)
            let distributed = (controller ?? loaded.controllerMode) == .distributed
            let s = Replay.scenario(loaded, distributed: distributed)
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
            result = try Replay.run(inputs)
            if isatty(2) != 0 { fputs("\r\u{1B}[K", stderr) }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let report = ReplayReport.json(result)
            try ReplayReport.writeAtomically(report.pretty, to: out + "/report.json")
            print(json ? summaryJSON(report) : ReplaySummary.table(result), terminator: "")
            if !json { print("Wrote \(out)/report.json") }
            if !noPages {
                try ReportPages.write(report: report, to: out, formats: [.all])
                if !json { print("Wrote \(out)/report.md, report.html and csv/") }
            }
        } catch {
            throw fail(error)
        }
        if !result.complete {
            fputs("fmc: interrupted: the report is partial (\"complete\": false)\n", stderr)
            throw ExitCode(1)
        }
    }

    func summaryJSON(_ report: JSON) -> String {
        guard case let .object(f) = report, let s = f.first(where: { $0.0 == "summary" }) else { return "{}\n" }
        return s.1.pretty
    }
}

extension ControllerMode: ExpressibleByArgument {}
extension HandoverStrategy: ExpressibleByArgument {}
