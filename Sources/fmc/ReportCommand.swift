// `fmc report`: report.md, report.html and csv/ from a replay's report.json (or a paper sweep).

import ArgumentParser
import FMCReport
import Foundation

extension PageFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md, report.html and csv/ for people from a report.json.",
        discussion: """
            RUN is a replay output folder (holding report.json), a report.json file, or a paper \
            sweep folder (`fmc synth paper-sweep`: rules.csv and long-distance.csv). The pages \
            go next to the report: report.md (tables), report.html (one self-contained page with \
            SVG charts, nothing fetched) and csv/ (summary.csv, handovers.csv, rule_events.csv, \
            switch_rules.csv, controller_messages.csv, distributions.csv). Exit status: 0 on \
            success, 1 when RUN cannot be read, 64 on a usage error.
            """)

    @Argument(help: ArgumentHelp("Replay output folder, report.json file, or paper sweep folder.", valueName: "run"))
    var target: String

    @Option(help: "What to write: md, html, csv or all (repeat the option for several).")
    var format: [PageFormat] = [.all]

    func run() throws {
        do {
            let written = try ReportPages.write(run: target, formats: Set(format))
            for p in written where !p.contains("/csv/") { print("Wrote \(p)") }
            let csv = written.filter { $0.contains("/csv/") }
            if let first = csv.first { print("Wrote \(csv.count) CSV files in \((first as NSString).deletingLastPathComponent)") }
        } catch {
            throw fail(error)
        }
    }
}
