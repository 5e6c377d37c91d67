// csv/: the report's series for spreadsheets, one file each. Values are the text
// report.json holds (an empty field where it holds null); times in seconds are exact
// decimal conversions of its nanoseconds.

import FMCCore

public enum CSVReport {
    typealias T = ReportText

    /// RFC 4180 quoting, only where needed.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\n" }

    /// A scalar for a CSV field: JSON text for numbers, empty for null or missing.
    static func value(_ v: JSON?) -> String {
        guard let v else { return "" }
        switch v {
        case .null, .object: return ""
        case let .bool(b): return b ? "true" : "false"
        case let .string(s): return s
        case .integer, .double: return v.numberText!
        case let .array(a): return a.map { value($0) }.joined(separator: ";")
        }
    }

    /// Every scalar under `v` as (dotted path, value), in the file's order.
    static func flatten(_ v: JSON, _ path: String, into out: inout [(String, String)]) {
        switch v {
        case let .object(f):
            for (k, x) in f { flatten(x, path.isEmpty ? k : path + "." + k, into: &out) }
        case let .array(a):
            if a.isEmpty { out.append((path, "")) }
            for (i, x) in a.enumerated() { flatten(x, path + ".\(i)", into: &out) }
        default:
            out.append((path, value(v)))
        }
    }

    public static func summary(_ r: JSON) -> String {
        var rows: [(String, String)] = []
        if let s = r["summary"] { flatten(s, "summary", into: &rows) }
        return line(["metric", "value"]) + rows.map { line([$0.0, $0.1]) }.joined()
    }

    /// The cause columns of handovers.csv: the summary's causes, then any other a row names.
    static func causes(_ r: JSON) -> [String] {
        var out = (r.at("summary.packets.lost_by_cause")?.fields ?? []).map(\.0)
        for h in r["handovers"]?.items ?? [] {
            for (c, _) in h["lost_by_cause"]?.fields ?? [] where !out.contains(c) { out.append(c) }
        }
        return out
    }

    static let handoverColumns = ["node", "from", "to", "start_ns", "link_up_ns", "locator", "reachable_ms", "converged_ms",
                                  "outage_ms", "lost", "lost_bytes"]

    public static func handovers(_ r: JSON) -> String {
        let causes = causes(r)
        let rows = r["handovers"]?.items ?? []
        // Keys the writer may add later come after the known ones.
        var extra: [String] = []
        for h in rows { for (k, _) in h.fields ?? [] where !handoverColumns.contains(k) && k != "lost_by_cause" && !extra.contains(k) { extra.append(k) } }
        var out = line(["index"] + handoverColumns + causes.map { "lost_" + $0 } + extra)
        for (i, h) in rows.enumerated() {
            // A row lists only the causes it lost packets to; the others are zero.
            let byCause = causes.map { c in h["lost_by_cause"].map { value($0[c] ?? .integer(0)) } ?? "" }
            out += line([String(i + 1)] + handoverColumns.map { value(h[$0]) } + byCause + extra.map { value(h[$0]) })
        }
        return out
    }

    public static func ruleEvents(_ r: JSON) -> String {
        let rows = r["rule_events"]?.items ?? []
        var columns = ["time_ns", "switch", "rule", "role", "node", "event", "latency_ms"]
        for e in rows { for (k, _) in e.fields ?? [] where !columns.contains(k) { columns.append(k) } }
        return line(["index"] + columns) + rows.enumerated().map { i, e in line([String(i + 1)] + columns.map { value(e[$0]) }) }.joined()
    }

    /// Level series: one row per (bin, switch), the highest level in that bin.
    public static func switchRules(_ r: JSON) -> String {
        var out = line(["time_s", "switch", "rules"])
        for s in r.at("series.rules_per_switch")?.items ?? [] {
            for p in s["points"]?.items ?? [] {
                guard let a = p.items, a.count == 2, let t = a[0].int else { continue }
                out += line([T.seconds(t), value(s["switch"]), value(a[1])])
            }
        }
        return out
    }

    /// Messages in and out of each controller per bin.
    public static func controllerMessages(_ r: JSON) -> String {
        var out = line(["time_s", "controller", "messages", "bin_s"])
        for s in r.at("series.controller_messages")?.items ?? [] {
            let bin = s["bin_ns"]?.int.map(T.seconds) ?? ""
            for p in s["points"]?.items ?? [] {
                guard let a = p.items, a.count == 2, let t = a[0].int else { continue }
                out += line([T.seconds(t), value(s["controller"]), value(a[1]), bin])
            }
        }
        return out
    }

    static let distributionKeys = [("install_latency", "install_latency_ms_cdf"), ("handover_reachable", "handover_reachable_ms_cdf"),
                                   ("handover_converged", "handover_converged_ms_cdf"), ("handover_outage", "handover_outage_ms_cdf"),
                                   ("triangular_phase", "triangular_phase_ms_cdf")]

    /// The CDFs behind the charts: (distribution, value in ms, fraction at or below).
    public static func distributions(_ r: JSON) -> String {
        var out = line(["distribution", "value_ms", "fraction"])
        for (name, key) in distributionKeys {
            for p in r.at("series." + key)?.items ?? [] {
                guard let a = p.items, a.count == 2 else { continue }
                out += line([name, value(a[0]), value(a[1])])
            }
        }
        return out
    }

    /// Every file of csv/, by name.
    public static func files(_ r: JSON) -> [(String, String)] {
        [("summary.csv", summary(r)), ("handovers.csv", handovers(r)), ("rule_events.csv", ruleEvents(r)),
         ("switch_rules.csv", switchRules(r)), ("controller_messages.csv", controllerMessages(r)),
         ("distributions.csv", distributions(r))]
    }
}
