// The tables of a replay report, built once from report.json and printed by both the
// Markdown and the HTML page, so the two always show the same figures. Every number is
// the text report.json holds (same rounding); anything the file lacks shows as "–", so an
// older report renders too.

import FMCCore

struct ReportTable {
    var caption: String
    var headers: [String]
    var rows: [[String]]
    /// Columns aligned right (numbers).
    var numeric: Set<Int> = []
}

struct ReportSection {
    var id: String
    var title: String
    var paragraphs: [String] = []
    var tables: [ReportTable] = []
}

enum ReportText {
    static let missing = "–"

    /// A scalar as report.json wrote it.
    static func cell(_ v: JSON?) -> String {
        guard let v else { return missing }
        switch v {
        case .null: return missing
        case let .bool(b): return b ? "yes" : "no"
        case let .string(s): return s
        case .integer, .double: return v.numberText!
        case let .array(a): return a.map { cell($0) }.joined(separator: ", ")
        case .object: return missing
        }
    }

    /// Exact decimal seconds from integer nanoseconds (no floating-point rounding).
    static func seconds(_ ns: Int64) -> String {
        let neg = ns < 0
        let m = ns.magnitude
        var frac = String(m % 1_000_000_000)
        frac = String(repeating: "0", count: 9 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return (neg ? "-" : "") + String(m / 1_000_000_000) + (frac.isEmpty ? "" : "." + frac)
    }
}

enum ReportTables {
    typealias T = ReportText

    /// One row per key of an object of numbers.
    static func keyValue(_ caption: String, _ obj: JSON?, key: String, value: String) -> ReportTable {
        let rows = (obj?.fields ?? []).map { [$0.0, T.cell($0.1)] }
        return ReportTable(caption: caption, headers: [key, value], rows: rows, numeric: [1])
    }

    /// Percentile objects side by side: one row each, one column per key they hold.
    static func quantiles(_ caption: String, _ rows: [(String, JSON?)]) -> ReportTable {
        var keys: [String] = []
        for (_, o) in rows { for (k, _) in o?.fields ?? [] where !keys.contains(k) { keys.append(k) } }
        let headers = ["measure"] + keys.map { $0 == "count" ? "count" : $0 + " (ms)" }
        let body = rows.map { name, o in [name] + keys.map { T.cell(o?[$0]) } }
        return ReportTable(caption: caption, headers: headers, rows: body, numeric: Set(1...max(keys.count, 1)))
    }

    /// The handover detail rows (as report.json holds them, at most its detail limit).
    static func handoverRows(_ r: JSON, limit: Int? = nil) -> ReportTable {
        let all = r["handovers"]?.items ?? []
        let shown = limit.map { Array(all.prefix($0)) } ?? all
        let rows = shown.enumerated().map { i, h -> [String] in
            let causes = (h["lost_by_cause"]?.fields ?? []).map { "\($0.0) \(T.cell($0.1))" }.joined(separator: ", ")
            return [String(i + 1), T.cell(h["node"]), T.cell(h["from"]), T.cell(h["to"]),
                    h["start_ns"]?.int.map(T.seconds) ?? T.missing,
                    T.cell(h["reachable_ms"]), T.cell(h["converged_ms"]), T.cell(h["outage_ms"]),
                    T.cell(h["lost"]), causes.isEmpty ? T.missing : causes, T.cell(h["lost_bytes"])]
        }
        return ReportTable(caption: "Handovers, in the order they ended",
                           headers: ["#", "node", "from", "to", "start (s)", "reachable (ms)", "converged (ms)", "outage (ms)",
                                     "lost packets", "lost by cause", "lost bytes"],
                           rows: rows, numeric: [0, 4, 5, 6, 7, 8, 10])
    }

    static func sections(_ r: JSON, handoverLimit: Int? = nil) -> [ReportSection] {
        let s = r["summary"]
        var out: [ReportSection] = []

        var run = ReportSection(id: "run", title: "Run")
        run.paragraphs.append("Scenario **\(T.cell(r["scenario"]))**: \(T.cell(r["mode"])) replay, \(T.cell(r["controller"])) controllers, \(T.cell(r["strategy"])) handovers, seed \(T.cell(r["seed"])). Schema \(T.cell(r["schema"])).")
        if r["complete"]?.bool == false {
            run.paragraphs.append("**Partial report:** the replay was interrupted; the figures cover the replay up to then.")
        }
        if let note = r.at("model.note")?.string { run.paragraphs.append("Model: " + note + ".") }
        run.tables.append(ReportTable(caption: "Inputs", headers: ["role", "file", "sha256"],
                                      rows: (r["inputs"]?.items ?? []).map { [T.cell($0["role"]), T.cell($0["file"]), T.cell($0["sha256"])] }))
        let model = (r["model"]?.fields ?? []).filter { $0.0 != "note" && $0.0 != "rules" }
        run.tables.append(keyValue("Latency model", .object(model), key: "setting", value: "value"))
        run.tables.append(keyValue("Replay", r["run"], key: "measure", value: "value"))
        out.append(run)

        var ho = ReportSection(id: "handovers", title: "Handovers")
        ho.paragraphs.append("Times are from the moment the node left its access point.")
        ho.tables.append(ReportTable(caption: "Handovers in all", headers: ["measure", "value"], rows: [
            ["handovers", T.cell(s?["handovers"])],
            ["listed in the Handover detail", String(r["handovers"]?.items?.count ?? 0)],
        ], numeric: [1]))
        ho.tables.append(quantiles("Handover times", [
            ("reachable", s?.at("handover.reachable_ms")), ("converged", s?.at("handover.converged_ms")), ("outage", s?.at("handover.outage_ms")),
        ]))
        out.append(ho)

        var rules = ReportSection(id: "rules", title: "Rules")
        rules.paragraphs.append("FMC rules counted from the switches' flow tables (base rules included, infrastructure rules excluded); peak_total is the most held by all switches at once.")
        let ruleScalars = (s?["rules"]?.fields ?? []).filter { $0.1.numberText != nil }
        rules.tables.append(keyValue("Rules in all", .object(ruleScalars), key: "measure", value: "value"))
        rules.tables.append(keyValue("Peak rules per switch", s?.at("rules.per_switch_peak"), key: "switch", value: "peak rules"))
        rules.tables.append(keyValue("Peak rules per controller (on the switches it controls)", s?.at("rules.per_controller_peak"), key: "controller", value: "peak rules"))
        rules.tables.append(keyValue("Peak rules per role", s?.at("rules.per_role_peak"), key: "role", value: "peak rules"))
        rules.tables.append(keyValue("Peak rules per rule name", s?.at("rules.per_name_peak"), key: "rule", value: "peak rules"))
        out.append(rules)

        var lat = ReportSection(id: "install-latency", title: "Install latency")
        lat.paragraphs.append("Flow-mod sent by the controller → rule effective in the switch.")
        lat.tables.append(quantiles("Install latency", [("install", s?["install_latency_ms"])]))
        out.append(lat)

        var pk = ReportSection(id: "packets", title: "Packets and loss")
        let packets = (s?["packets"]?.fields ?? []).filter { $0.0 != "lost_by_cause" }
        pk.tables.append(keyValue("Packets", .object(packets), key: "packets", value: "count"))
        pk.tables.append(keyValue("Loss by cause", s?.at("packets.lost_by_cause"), key: "cause", value: "packets lost"))
        out.append(pk)

        var tri = ReportSection(id: "triangular", title: "Triangular overhead")
        tri.paragraphs.append("Packets delivered after a detour through the home switch, and how long such phases lasted (first triangular packet → first direct one).")
        tri.tables.append(keyValue("Triangular routing", s?["triangular"], key: "measure", value: "value"))
        out.append(tri)

        var msg = ReportSection(id: "messages", title: "Control messages")
        msg.paragraphs.append("Long-distance messages are those whose two ends are at different sites.")
        let msgScalars = (s?["messages"]?.fields ?? []).filter { $0.1.numberText != nil }
        msg.tables.append(keyValue("Messages in all", .object(msgScalars), key: "measure", value: "value"))
        let byType = s?.at("messages.by_type")?.fields ?? []
        let ld = s?.at("messages.long_distance_by_type")
        msg.tables.append(ReportTable(caption: "Messages by type", headers: ["type", "messages", "long distance"],
                                      rows: byType.map { [$0.0, T.cell($0.1), ld == nil ? T.missing : T.cell(ld?[$0.0] ?? .integer(0))] }, numeric: [1, 2]))
        out.append(msg)

        var ctl = ReportSection(id: "controllers", title: "Controller load")
        let ctlKeys = ["messages_in", "messages_out", "peak_messages_per_s", "peak_rules", "peak_mappings"]
        ctl.tables.append(ReportTable(
            caption: "Per controller", headers: ["controller", "site", "networks", "messages in", "messages out", "peak messages/s", "peak rules", "peak mappings"],
            rows: (s?["controllers"]?.fields ?? []).map { id, c in [id, T.cell(c["site"]), T.cell(c["networks"])] + ctlKeys.map { T.cell(c[$0]) } },
            numeric: [3, 4, 5, 6, 7]))
        out.append(ctl)

        var ev = ReportSection(id: "rule-events", title: "Rule events")
        let total = r["rule_events_total"].map { T.cell($0) } ?? String(r["rule_events"]?.items?.count ?? 0)
        ev.paragraphs.append("\(total) rule installs and removals; \(r["rule_events"]?.items?.count ?? 0) listed in csv/rule_events.csv"
            + (r["rule_events_truncated"]?.bool == true ? " (the report kept only the first ones: raise `--detail-limit` to keep more)." : "."))
        out.append(ev)

        var detail = ReportSection(id: "handover-detail", title: "Handover detail")
        let listed = r["handovers"]?.items?.count ?? 0
        if r["handovers_truncated"]?.bool == true {
            detail.paragraphs.append("**Truncated:** the report lists the first \(listed) of \(T.cell(s?["handovers"])) handovers (raise `--detail-limit` to keep more); the figures above count them all.")
        }
        if let limit = handoverLimit, listed > limit {
            detail.paragraphs.append("This page shows the first \(limit) of the \(listed) listed handovers; report.md and csv/handovers.csv have them all.")
        }
        detail.tables.append(handoverRows(r, limit: handoverLimit))
        out.append(detail)
        return out
    }
}
