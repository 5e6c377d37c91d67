// `fmc compare`: a candidate build's replay against a base, with a regression verdict.

import ArgumentParser
import FMCCompare
import FMCCore
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a candidate run with a base run: every summary metric side by side, and a regression verdict.",
        discussion: """
            BASE and CANDIDATE are run folders (fmc replay --out) or report.json files. Every \
            rule reads "higher is worse": a metric regresses when the candidate exceeds \
            base × (1 + PCT/100) + ABS.

            Default rules:
            \(ThresholdRules.defaults.map { "  \($0.pattern) \($0.label)" }.joined(separator: "\n"))

            --threshold METRIC=PCT[+ABS] replaces the rule of the metrics it names (METRIC may \
            use * and ?; the most specific pattern wins; METRIC=off turns a rule off), and may \
            add rules for metrics the defaults leave alone.

            Noise: when both reports come from `fmc replay --repeat N`, means are compared, and \
            a change is a regression only if it is over the threshold and the candidate's mean \
            lies above the highest base run by more than --noise-se standard errors of the \
            difference of the means, sqrt(sb²/nb + sc²/nc). Without repeats the single values \
            are compared. Rule peaks allow 2 rules above the base by default: install-time \
            draws move a peak by a rule or two between seeds of the same build.

            Not comparable (exit 2): different input digests (scenario, mobility, capture), \
            scenario name, mode, controller mode, strategy, switches or controllers; an unknown \
            schema; a report or repeat marked incomplete; a file that is not a report. \
            --allow-scenario-change accepts a changed scenario file (say, its latency model) \
            and lists the model's differences.

            Exit status: 0 no regression, 1 regression (listed with the reason), 2 not \
            comparable, 64 usage error.
            """)

    @Argument(help: "Base run: a run folder or a report.json.")
    var base: String

    @Argument(help: "Candidate run: a run folder or a report.json.")
    var candidate: String

    @Option(name: .customLong("threshold"), help: ArgumentHelp("Rule override METRIC=PCT[+ABS] or METRIC=off (repeatable).", valueName: "METRIC=PCT"))
    var thresholds: [String] = []

    @Flag(help: "Accept scenario files whose digests differ, e.g. a changed latency model.")
    var allowScenarioChange = false

    @Option(help: "Noise margin for repeated runs, in standard errors of the difference of the means.")
    var noiseSe: Double = 2

    @Flag(help: "List only the metrics a rule covers.")
    var ruledOnly = false

    @Flag(help: "Print the verdict and rows as JSON.")
    var json = false

    func validate() throws {
        for t in thresholds {
            do { _ = try ThresholdRule(parsing: t) } catch { throw ValidationError("\(error)") }
        }
        guard noiseSe >= 0, noiseSe.isFinite else { throw ValidationError("--noise-se must be a number, 0 or more") }
        for p in [base, candidate] where !FileManager.default.fileExists(atPath: p) {
            throw ValidationError("\(p): no such file or folder")
        }
    }

    func run() throws {
        var options = CompareOptions()
        options.overrides = try thresholds.map { try ThresholdRule(parsing: $0) }
        options.allowScenarioChange = allowScenarioChange
        options.noiseStandardErrors = noiseSe
        let b: RunReport, c: RunReport
        do {
            b = try RunReport.load(base)
            c = try RunReport.load(candidate)
        } catch {
            // An unreadable or foreign file cannot be compared: that is exit 2, not a regression.
            fputs("fmc: not comparable: \(error)\n", stderr)
            if json {
                print(JSON.object([("verdict", .string(Verdict.notComparable.rawValue)), ("exit_status", .int(2)),
                                   ("problems", .array([.string("\(error)")]))]).pretty, terminator: "")
            }
            throw ExitCode(Verdict.notComparable.exitStatus)
        }
        let result = Comparator.compare(base: b, candidate: c, options: options)
        if json {
            print(result.json.pretty, terminator: "")
            for u in result.unmatchedOverrides { fputs("fmc: warning: --threshold pattern '\(u)' matches no metric\n", stderr) }
        } else {
            print(result.table(onlyRuled: ruledOnly), terminator: "")
        }
        if result.verdict != .pass { throw ExitCode(result.verdict.exitStatus) }
    }
}
