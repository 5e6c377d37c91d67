// The verdict of `fmc compare`: are two reports comparable, and is the candidate worse than
// the base by more than the rules allow (and, with repeated runs, by more than the noise)?

import FMCCore
import Foundation

public struct CompareOptions: Sendable {
    public var overrides: [ThresholdRule] = []
    /// Accept scenario files whose digests differ (a changed latency model is how an emulated
    /// run stands for a slower switch or controller). Name, switches and controllers must
    /// still match; the model's differences are listed.
    public var allowScenarioChange = false
    /// Width of the noise margin in standard errors of the difference of the means.
    public var noiseStandardErrors = 2.0

    public init() {}
}

public enum RowStatus: String, Sendable {
    /// Within the rule.
    case ok
    /// Over the rule (and, with repeats, outside the noise).
    case regression
    /// Over the rule's threshold, but inside the noise of the repeated runs.
    case noise
    /// No rule covers the metric: shown, never judged.
    case unruled = "-"
    /// The rule was turned off with `--threshold METRIC=off`.
    case off
    /// Only the candidate has the metric.
    case new
}

public struct ComparisonRow: Sendable {
    public var path: String
    /// The single value, or the mean of the repeated runs.
    public var base: Double?
    public var candidate: Double?
    public var baseStats: MetricStats?
    public var candidateStats: MetricStats?
    public var rule: ThresholdRule?
    public var status: RowStatus
    /// For regressions and noise: why, in words.
    public var reason: String?

    public var change: Double? {
        guard let b = base, let c = candidate else { return nil }
        return c - b
    }

    /// Relative change in percent; nil when the base is 0 or either side has no value.
    public var changePercent: Double? {
        guard let b = base, let c = candidate, b != 0 else { return nil }
        return (c - b) / abs(b) * 100
    }
}

public enum Verdict: String, Sendable {
    case pass
    case regression
    case notComparable = "not_comparable"

    /// 0 no regression, 1 regression, 2 not comparable.
    public var exitStatus: Int32 {
        switch self {
        case .pass: return 0
        case .regression: return 1
        case .notComparable: return 2
        }
    }
}

public struct Comparison: Sendable {
    public var verdict: Verdict
    /// Why the reports are not comparable (empty unless verdict is notComparable).
    public var problems: [String]
    public var notes: [String]
    /// True when both sides carried a `repeat` section and the spread was used.
    public var usedRepeats: Bool
    public var rows: [ComparisonRow]
    public var base: RunReport
    public var candidate: RunReport
    public var options: CompareOptions
    /// Override patterns that matched no metric on either side (probably a typo).
    public var unmatchedOverrides: [String]

    public var regressions: [ComparisonRow] { rows.filter { $0.status == .regression } }
}

public enum Comparator {
    public static let supportedSchema = "fmc-report/1"

    /// Noise rule for repeated runs: the candidate's mean must lie beyond the highest base run
    /// by more than k standard errors of the difference of the means (Welch's
    /// √(s_b²/n_b + s_c²/n_c)). Returns the bound.
    public static func noiseBound(base: MetricStats, candidate: MetricStats, k: Double) -> Double {
        let se = (base.stddev * base.stddev / Double(base.n) + candidate.stddev * candidate.stddev / Double(candidate.n)).squareRoot()
        return base.max + k * se
    }

    public static func compare(base: RunReport, candidate: RunReport, options: CompareOptions = CompareOptions()) -> Comparison {
        var notes: [String] = []
        let problems = comparability(base, candidate, options, &notes)
        let bRep = base.repeatSummary, cRep = candidate.repeatSummary
        let usedRepeats = bRep != nil && cRep != nil
        if (bRep != nil) != (cRep != nil) {
            notes.append("only the \(bRep != nil ? "base" : "candidate") has repeated runs: compared the single runs (seed \(base.seed.map(String.init) ?? "?") and \(candidate.seed.map(String.init) ?? "?"))")
        }
        if !usedRepeats, let bs = base.seed, let cs = candidate.seed, bs != cs {
            notes.append("single runs with different seeds (\(bs), \(cs)): install-time draws differ, so small changes may be seed noise; --repeat N on both sides measures it")
        }

        // Rows in the base's order, then metrics only the candidate has.
        var order: [String] = []
        var bVal: [String: Double?] = [:], cVal: [String: Double?] = [:]
        for m in base.metrics where bVal[m.path] == nil { order.append(m.path); bVal[m.path] = m.value }
        for m in candidate.metrics where cVal[m.path] == nil {
            if bVal[m.path] == nil { order.append(m.path) }
            cVal[m.path] = m.value
        }
        var rows: [ComparisonRow] = []
        for path in order {
            var row = ComparisonRow(path: path, base: bVal[path] ?? nil, candidate: cVal[path] ?? nil, status: .unruled)
            if usedRepeats {
                row.baseStats = bRep!.stats(path)
                row.candidateStats = cRep!.stats(path)
                row.base = row.baseStats?.mean
                row.candidate = row.candidateStats?.mean
            }
            row.rule = ThresholdRules.rule(for: path, overrides: options.overrides)
            judge(&row, baseHas: bVal[path] != nil, k: options.noiseStandardErrors)
            rows.append(row)
        }
        let unmatched = options.overrides.map(\.pattern).filter { p in !order.contains(where: { Glob.matches(p, $0) }) }
        let verdict: Verdict = !problems.isEmpty ? .notComparable : rows.contains { $0.status == .regression } ? .regression : .pass
        return Comparison(verdict: verdict, problems: problems, notes: notes, usedRepeats: usedRepeats, rows: rows,
                          base: base, candidate: candidate, options: options, unmatchedOverrides: unmatched)
    }

    static func judge(_ row: inout ComparisonRow, baseHas: Bool, k: Double) {
        guard let rule = row.rule else {
            row.status = row.base == nil && row.candidate != nil && !baseHas ? .new : .unruled
            return
        }
        guard rule.percent != nil else { row.status = .off; return }
        switch (row.base, row.candidate) {
        case (nil, nil):
            row.status = .unruled
        case (nil, _?):
            row.status = .new
        case (_?, nil):
            // A figure the base had and the candidate lost (no install, no handover reached
            // its end) is worse, whatever the threshold.
            row.status = .regression
            row.reason = "the base has a value, the candidate none"
        case let (b?, c?):
            let limit = rule.limit(base: b)!
            // A hair of tolerance so 0.1 + 0.2 style rounding never decides a verdict.
            let over = c > limit + 1e-9 * max(1, abs(limit))
            guard over else { row.status = .ok; return }
            let what = rule.percent == 0
                ? "above the base\(rule.slack > 0 ? " by more than " + Format.number(rule.slack) : "")"
                : "more than \(Format.number(rule.percent!))% above the base\(rule.slack > 0 ? " + " + Format.number(rule.slack) : "")"
            if let bs = row.baseStats, let cs = row.candidateStats {
                let bound = noiseBound(base: bs, candidate: cs, k: k)
                if c > bound {
                    row.status = .regression
                    row.reason = "mean \(Format.number(c)) is \(what) (limit \(Format.number(limit))) and beyond the noise (highest base run \(Format.number(bs.max)) + \(Format.number(k))·SE = \(Format.number(bound)))"
                } else {
                    row.status = .noise
                    row.reason = "mean \(Format.number(c)) is \(what) (limit \(Format.number(limit))) but within the noise (bound \(Format.number(bound)))"
                }
            } else {
                row.status = .regression
                row.reason = "\(Format.number(c)) is \(what) (limit \(Format.number(limit)))"
            }
        }
    }

    /// Everything that makes two reports measure different things. Scenario-file differences
    /// go to `notes` when allowed.
    static func comparability(_ b: RunReport, _ c: RunReport, _ o: CompareOptions, _ notes: inout [String]) -> [String] {
        var p: [String] = []
        for (side, r) in [("base", b), ("candidate", c)] {
            if r.schema != supportedSchema {
                p.append("\(side) schema is \(r.schema.map { "'\($0)'" } ?? "missing"), expected '\(supportedSchema)' (\(r.path))")
            }
            if r.complete != true { p.append("\(side) report is not complete (\"complete\": \(r.complete.map(String.init) ?? "missing")): an interrupted run") }
            if let rep = r.repeatSummary, !rep.complete {
                p.append("\(side) repeated runs are incomplete (\(rep.seeds.count) of \(rep.requested) finished)")
            }
            if r.json["repeat"] != nil && r.repeatSummary == nil { p.append("\(side) has a 'repeat' section that is not readable") }
        }
        func differ(_ what: String, _ x: String?, _ y: String?) {
            if x != y { p.append("different \(what): base \(x ?? "(none)"), candidate \(y ?? "(none)")") }
        }
        differ("scenario name", b.scenario, c.scenario)
        differ("mode", b.mode, c.mode)
        differ("controller mode", b.controller, c.controller)
        differ("handover strategy", b.strategy, c.strategy)
        var roles: [String] = []
        for i in b.inputs + c.inputs where !roles.contains(i.role) { roles.append(i.role) }
        for role in roles {
            let x = b.digest(role), y = c.digest(role)
            guard x != y else { continue }
            let text = "different \(role) input: base \(x.map { "sha256 " + $0.prefix(12) + "…" } ?? "none"), candidate \(y.map { "sha256 " + $0.prefix(12) + "…" } ?? "none")"
            if role == "scenario", x != nil, y != nil, o.allowScenarioChange {
                notes.append(text + " (allowed by --allow-scenario-change)")
            } else {
                p.append(text + (role == "scenario" && x != nil && y != nil ? " (--allow-scenario-change accepts this)" : ""))
            }
        }
        for group in ["summary.rules.per_switch_peak.", "summary.rules.per_controller_peak."] {
            let x = Set(b.metrics.map(\.path).filter { $0.hasPrefix(group) }), y = Set(c.metrics.map(\.path).filter { $0.hasPrefix(group) })
            if x != y {
                let what = group.contains("switch") ? "switches" : "controllers"
                let names = { (s: Set<String>) in s.map { String($0.dropFirst(group.count)) }.sorted().joined(separator: ",") }
                p.append("different \(what): base \(names(x)), candidate \(names(y))")
            }
        }
        if let mb = b.json["model"], let mc = c.json["model"] {
            let x = leaves(mb, "model"), y = leaves(mc, "model")
            for (k, v) in x where y.first(where: { $0.0 == k })?.1 != v {
                notes.append("\(k): \(v) in the base, \(y.first(where: { $0.0 == k })?.1 ?? "absent") in the candidate")
            }
        }
        return p
    }

    /// Every scalar below `json` as (path, compact text), for listing model differences.
    static func leaves(_ json: JSON, _ path: String) -> [(String, String)] {
        switch json {
        case let .object(fields): return fields.flatMap { leaves($0.1, path + "." + $0.0) }
        default: return [(path, json.compact)]
        }
    }
}

/// Number text for tables and messages: integers without a fraction, others with at most
/// three decimals (the resolution of report figures).
public enum Format {
    public static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.3f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    public static func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + number(x) }
}
