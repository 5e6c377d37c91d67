// The `fmc` command: a thin layer over the library targets, one file per subcommand.

import ArgumentParser

@main
struct FMC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmc",
        abstract: "Trace-driven mobility replayer and analyzer for Follow-Me Cloud.",
        discussion: """
            fmc reads packet captures and user-mobility traces, replays handovers against an \
            FMC controller cluster and measures rules, install latency, handover loss, \
            triangular routing and control messages.
            """,
        version: "0.1.0",
        subcommands: [Inspect.self, Trace.self, TimelineCommand.self, ReplayCommand.self, ReportCommand.self, CompareCommand.self, HistoryCommand.self, PlanCommand.self, Synth.self])
}
