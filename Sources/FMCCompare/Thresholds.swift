// Regression rules: which metrics may grow by how much before a candidate build is worse
// than its base, the defaults, and `--threshold METRIC=PCT[+ABS]` overrides with glob-like
// metric patterns.

/// One rule: the metric (or metrics, by pattern) may exceed the base by at most `percent` %
/// plus `slack` (in the metric's own unit). `percent == nil` turns the metric's rule off.
/// Every rule reads "higher is worse": latencies, losses, rules held, messages.
public struct ThresholdRule: Sendable, Equatable {
    public var pattern: String
    public var percent: Double?
    public var slack: Double
    /// Why the default is what it is (defaults only).
    public var why: String?

    public init(pattern: String, percent: Double?, slack: Double = 0, why: String? = nil) {
        self.pattern = pattern
        self.percent = percent
        self.slack = slack
        self.why = why
    }

    /// Parses `METRIC=PCT`, `METRIC=PCT+ABS` or `METRIC=off`; PCT may end in `%`.
    public init(parsing text: String) throws {
        guard let eq = text.lastIndex(of: "=") else { throw ThresholdSyntaxError(text: text, message: "expected METRIC=PCT") }
        let pattern = String(text[..<eq]).trimmingSpaces
        var value = String(text[text.index(after: eq)...]).trimmingSpaces
        guard !pattern.isEmpty else { throw ThresholdSyntaxError(text: text, message: "no metric before '='") }
        if value.lowercased() == "off" || value.lowercased() == "none" {
            self.init(pattern: pattern, percent: nil)
            return
        }
        var slack = 0.0
        if let plus = value.lastIndex(of: "+"), plus != value.startIndex {
            guard let s = Double(value[value.index(after: plus)...]), s >= 0, s.isFinite else {
                throw ThresholdSyntaxError(text: text, message: "the absolute allowance after '+' must be a number, 0 or more")
            }
            slack = s
            value = String(value[..<plus])
        }
        if value.hasSuffix("%") { value.removeLast() }
        guard let pct = Double(value), pct >= 0, pct.isFinite else {
            throw ThresholdSyntaxError(text: text, message: "the percentage must be a number, 0 or more (or 'off')")
        }
        self.init(pattern: pattern, percent: pct, slack: slack)
    }

    /// "+10%", "> base", "> base+2", "off".
    public var label: String {
        guard let p = percent else { return "off" }
        var s = p == 0 ? "> base" : "+" + Format.number(p) + "%"
        if slack > 0 { s += "+" + Format.number(slack) }
        return s
    }

    /// The largest candidate value that is not a regression against `base`.
    public func limit(base: Double) -> Double? {
        guard let p = percent else { return nil }
        return base + abs(base) * p / 100 + slack
    }

    /// How specific the pattern is: an exact name beats any pattern, a longer literal part
    /// beats a shorter one.
    var specificity: Int {
        Glob.isPattern(pattern) ? pattern.filter { $0 != "*" && $0 != "?" }.count : Int.max
    }
}

public struct ThresholdSyntaxError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var message: String
    public var description: String { "--threshold '\(text)': \(message)" }
}

public enum ThresholdRules {
    /// The defaults. Rule peaks get an allowance of 2 rules: the emulator's install-time
    /// draws decide whether a removal or an install lands first when they cross, which moves
    /// a peak by a rule or two between seeds of the same build.
    public static let defaults: [ThresholdRule] = [
        ThresholdRule(pattern: "summary.install_latency_ms.p99", percent: 10, why: "flow-mod install latency, tail"),
        ThresholdRule(pattern: "summary.install_latency_ms.p90", percent: 10, why: "flow-mod install latency"),
        ThresholdRule(pattern: "summary.handover.reachable_ms.p99", percent: 10, why: "time until a moved node is reachable"),
        ThresholdRule(pattern: "summary.handover.converged_ms.p99", percent: 10, why: "time until every correspondent switch has the new mapping"),
        ThresholdRule(pattern: "summary.handover.outage_ms.p99", percent: 10, why: "handover outage seen by traffic"),
        ThresholdRule(pattern: "summary.packets.lost", percent: 0, why: "any packet lost beyond the base"),
        ThresholdRule(pattern: "summary.packets.lost_by_cause.*", percent: 0, why: "any packet lost beyond the base, per cause"),
        ThresholdRule(pattern: "summary.rules.peak_total", percent: 0, slack: 2, why: "flow-table space; 2 rules of seed noise allowed"),
        ThresholdRule(pattern: "summary.rules.per_switch_peak.*", percent: 0, slack: 2, why: "flow-table space per switch; 2 rules of seed noise allowed"),
        ThresholdRule(pattern: "summary.rules.per_controller_peak.*", percent: 0, slack: 2, why: "rules each controller manages; 2 rules of seed noise allowed"),
        ThresholdRule(pattern: "summary.messages.long_distance", percent: 0, why: "control messages between sites"),
        ThresholdRule(pattern: "summary.messages.total", percent: 10, why: "control-plane load"),
    ]

    /// The rule for `path`: an override beats every default; among either, the most specific
    /// pattern wins, and among equally specific overrides the one given last.
    public static func rule(for path: String, overrides: [ThresholdRule], defaults: [ThresholdRule] = ThresholdRules.defaults) -> ThresholdRule? {
        func best(_ rules: [ThresholdRule]) -> ThresholdRule? {
            var chosen: ThresholdRule?
            for r in rules where Glob.matches(r.pattern, path) {
                if chosen == nil || r.specificity >= chosen!.specificity { chosen = r }
            }
            return chosen
        }
        return best(overrides) ?? best(defaults)
    }
}

/// Shell-like patterns over metric paths: `*` is any run of characters (dots included), `?`
/// one character, everything else itself.
public enum Glob {
    public static func isPattern(_ s: String) -> Bool { s.contains("*") || s.contains("?") }

    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var pi = 0, ti = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
