// report.html: one self-contained page (inline CSS and SVG; nothing fetched, no scripts)
// with the report's charts and the same tables as report.md. Charts come from the report's
// `series` section; a report written before it existed, or a run without the data a chart
// needs, gets the chart's frame with the reason instead of a silent gap.

import FMCCore
import Foundation

public enum HTMLReport {
    typealias T = ReportText

    static func escape(_ s: String) -> String { SVGChart.escape(s) }

    /// The few inline marks the section texts use: **strong** and `code`.
    static func inline(_ s: String) -> String {
        var out = ""
        var strong = false, code = false
        var chars = Array(escape(s))[...]
        while let c = chars.first {
            if c == "*", chars.dropFirst().first == "*" {
                out += strong ? "</strong>" : "<strong>"
                strong.toggle()
                chars = chars.dropFirst(2)
                continue
            }
            if c == "`" {
                out += code ? "</code>" : "<code>"
                code.toggle()
                chars = chars.dropFirst()
                continue
            }
            out.append(c)
            chars = chars.dropFirst()
        }
        if strong { out += "</strong>" }
        if code { out += "</code>" }
        return out
    }

    static func table(_ t: ReportTable) -> String {
        var out = "<table>\n<caption>\(escape(t.caption))</caption>\n<thead><tr>"
        for (i, h) in t.headers.enumerated() { out += "<th\(t.numeric.contains(i) ? " class=\"num\"" : "")>\(escape(h))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        if t.rows.isEmpty { out += "<tr><td colspan=\"\(t.headers.count)\">(none)</td></tr>\n" }
        for r in t.rows {
            out += "<tr>"
            for (i, v) in r.enumerated() { out += "<td\(t.numeric.contains(i) ? " class=\"num\"" : "")>\(escape(v))</td>" }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0; color: #1d1d1f; background: #f6f7f9; }
        main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 48px; }
        h1 { font-size: 26px; margin: 12px 0 4px; }
        h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid #d0d4da; padding-bottom: 4px; }
        p { font-size: 15px; line-height: 1.45; max-width: 75em; }
        nav a { margin-right: 14px; font-size: 14px; }
        .meta { color: #444; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin: 14px 0; }
        .figure { background: white; border: 1px solid #d0d4da; border-radius: 6px; padding: 10px 12px; }
        .figure .v { font-size: 22px; font-weight: 600; }
        .figure .k { font-size: 13px; color: #555; }
        figure.chart { background: white; border: 1px solid #d0d4da; border-radius: 6px; margin: 16px 0; padding: 8px; }
        figure.chart svg { display: block; width: 100%; height: auto; }
        figcaption { font-size: 14px; color: #444; margin: 6px 8px 2px; }
        table { border-collapse: collapse; margin: 10px 0 18px; background: white; font-size: 14px; }
        caption { text-align: left; font-weight: 600; padding: 4px 0; }
        th, td { border: 1px solid #d0d4da; padding: 3px 8px; }
        th { background: #eef0f3; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .warning { background: #fff4d6; border: 1px solid #e0b000; padding: 8px 12px; border-radius: 4px; }
        """

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    static func figure(_ id: String, _ svg: String, caption: String) -> String {
        "<figure class=\"chart\" id=\"chart-\(id)\">\n\(svg)<figcaption>\(inline(caption))</figcaption>\n</figure>\n"
    }

    static func sectionsHTML(_ sections: [ReportSection]) -> String {
        var out = ""
        for s in sections {
            out += "<section id=\"\(s.id)\">\n<h2>\(escape(s.title))</h2>\n"
            for p in s.paragraphs { out += "<p>\(inline(p))</p>\n" }
            for t in s.tables { out += table(t) }
            out += "</section>\n"
        }
        return out
    }

    // MARK: - the charts of one replay

    static let noSeries = "no data: this report.json has no time series (written before fmc added them); replay again to get them"

    /// (x, y) pairs of a series' points, x from ns to seconds.
    static func timePoints(_ s: JSON) -> [(Double, Double)] {
        pairs(s["points"]).map { ($0.0 / 1e9, $0.1) }
    }

    /// A rate series as a level: each bin's count per second, back to zero after a bin with
    /// no successor (bins without messages are left out of the report).
    static func ratePoints(_ s: JSON) -> [(Double, Double)] {
        let bin = s["bin_ns"]?.number ?? 1e9
        let pts = pairs(s["points"])
        var out: [(Double, Double)] = []
        for (i, p) in pts.enumerated() {
            out.append((p.0 / 1e9, p.1 * 1e9 / bin))
            let end = p.0 + bin
            if i + 1 == pts.count || pts[i + 1].0 > end { out.append((end / 1e9, 0)) }
        }
        return out
    }

    static func pairs(_ v: JSON?) -> [(Double, Double)] {
        (v?.items ?? []).compactMap { p in
            guard let a = p.items, a.count == 2, let x = a[0].number, let y = a[1].number else { return nil }
            return (x, y)
        }
    }

    /// The charts of a replay report, in page order: (id, svg, caption).
    static func charts(_ r: JSON) -> [(String, String, String)] {
        let s = r["summary"]
        let series = r["series"]
        let endS = r.at("run.end_ns")?.number.map { $0 / 1e9 }
        let replayed = s?.at("packets.replayed")?.int ?? 0
        var out: [(String, String, String)] = []

        // Rules per switch over time.
        let switches = series?["rules_per_switch"]?.items ?? []
        let switchNames = switches.map { sw in T.cell(sw["switch"]) + (sw["network"].map { " (network \(T.cell($0)))" } ?? "") }
        out.append(("rules", SVGChart.lines(
            title: "Rules held per switch over time", xLabel: "time since the start of the replay (s)",
            yLabel: "FMC rules in the flow table (count)",
            series: zip(switchNames, switches).map { ChartSeries(name: $0, points: timePoints($1)) },
            style: .level, xEnd: endS,
            noData: series == nil ? noSeries : "no data: no rule was installed"),
            "Highest number of FMC rules (base rules included, infrastructure excluded) in each switch's table per time bin; peaks per switch are in the Rules table."))

        // Install latency CDF.
        out.append(("install-latency", SVGChart.lines(
            title: "Install latency (flow-mod sent → rule effective)", xLabel: "install latency (ms)",
            yLabel: "fraction of flow-mods ≤ x",
            series: [ChartSeries(name: "flow-mods (\(T.cell(s?.at("install_latency_ms.count"))))", points: pairs(series?["install_latency_ms_cdf"]))],
            style: .cdf, allowLogX: true,
            noData: series == nil ? noSeries : "no data: no flow-mod was installed"),
            "Cumulative distribution of the time from the controller sending a flow-mod to the rule being effective."))

        // Handover times CDF.
        let hseries = [("reachable", "handover_reachable_ms_cdf", "handover.reachable_ms"), ("converged", "handover_converged_ms_cdf", "handover.converged_ms"),
                       ("outage (first packet after the move)", "handover_outage_ms_cdf", "handover.outage_ms")]
        out.append(("handover-times", SVGChart.lines(
            title: "Handover times", xLabel: "time after the node left its access point (ms)", yLabel: "fraction of handovers ≤ x",
            series: hseries.map { ChartSeries(name: "\($0.0) (\(T.cell(s?.at($0.2 + ".count"))))", points: pairs(series?[$0.1])) },
            style: .cdf, allowLogX: true,
            noData: series == nil ? noSeries : ((s?["handovers"]?.int ?? 0) == 0 ? "no data: the run has no handover" : "no data: no handover became reachable")),
            "Cumulative distributions: reachable (rules for the new locator effective at the foreign and home switches), converged (every correspondent switch updated), outage (first packet delivered to or from the node after the move; only handovers with traffic)."))

        // Loss per handover.
        let hos = r["handovers"]?.items ?? []
        // Causes some listed handover lost packets to (all of them when none did).
        let named = CSVReport.causes(r)
        let lossy = named.filter { c in hos.contains { ($0["lost_by_cause"]?[c]?.number ?? 0) > 0 } }
        let causes = lossy.isEmpty ? named : lossy
        let group = max(1, (hos.count + 299) / 300)
        let groups = (hos.count + group - 1) / group
        let categories = (0..<groups).map { g in group == 1 ? String(g + 1) : "\(g * group + 1)–\(min(hos.count, (g + 1) * group))" }
        let bars = causes.map { c in
            BarSeries(name: c.replacingOccurrences(of: "_", with: " "), values: (0..<groups).map { g in
                hos[(g * group)..<min(hos.count, (g + 1) * group)].reduce(0.0) { $0 + ($1["lost_by_cause"]?[c]?.number ?? 0) }
            })
        }
        let lossReason = replayed == 0 ? "no data: no packets were replayed (no capture, or none inside the scenario)"
            : hos.isEmpty ? "no data: the report lists no handover" : "no packet was lost in any listed handover"
        out.append(("loss", SVGChart.bars(
            title: "Packets lost per handover, by cause", xLabel: group == 1 ? "handover (# in the Handover detail table)" : "handovers (# in the Handover detail table, \(group) per bar)",
            yLabel: "packets lost (count)", categories: categories, series: bars, stacked: true, noData: lossReason),
            "Packets lost while each handover was in progress, stacked by cause."
                + (r["handovers_truncated"]?.bool == true ? " Only the handovers the report lists (it was truncated)." : "")))

        // Triangular phases.
        out.append(("triangular", SVGChart.lines(
            title: "Triangular routing phases", xLabel: "phase duration (ms): first triangular → first direct packet",
            yLabel: "fraction of phases ≤ x",
            series: [ChartSeries(name: "phases (\(T.cell(s?.at("triangular.phases"))))", points: pairs(series?["triangular_phase_ms_cdf"]))],
            style: .cdf, allowLogX: true,
            noData: series == nil ? noSeries : replayed == 0 ? "no data: no packets were replayed" : "no data: no packet took the triangular route"),
            "How long a node's correspondents kept reaching it through its home switch after it moved (per node and correspondent network). Extra delay p50 \(T.cell(s?.at("triangular.extra_delay_ms_p50"))) ms, stretch p50 \(T.cell(s?.at("triangular.stretch_p50")))."))

        // Messages per controller.
        let ctl = s?["controllers"]?.fields ?? []
        out.append(("controller-messages", SVGChart.bars(
            title: "Control messages per controller", xLabel: "controller", yLabel: "messages (count)",
            categories: ctl.map(\.0),
            series: [BarSeries(name: "received", values: ctl.map { $0.1["messages_in"]?.number ?? 0 }),
                     BarSeries(name: "sent", values: ctl.map { $0.1["messages_out"]?.number ?? 0 })],
            noData: ctl.isEmpty ? "no data: the report lists no controller" : "no data: no control message was exchanged"),
            "Messages each controller received (packet-ins, reports, messages of other controllers) and sent (flow-mods, messages to other controllers)."))

        // Controller load over time.
        let rates = series?["controller_messages"]?.items ?? []
        out.append(("controller-load", SVGChart.lines(
            title: "Controller load over time", xLabel: "time since the start of the replay (s)", yLabel: "messages per second (in + out)",
            series: rates.map { c in ChartSeries(name: T.cell(c["controller"]), points: ratePoints(c)) },
            style: .level, xEnd: endS,
            noData: series == nil ? noSeries : "no data: no control message was exchanged"),
            "Messages in and out of each controller per time bin, as a rate."))

        // Messages by type.
        let types = s?.at("messages.by_type")?.fields ?? []
        let ld = s?.at("messages.long_distance_by_type")
        out.append(("message-types", SVGChart.bars(
            title: "Control messages by type", xLabel: "message type", yLabel: "messages (count)",
            categories: types.map(\.0),
            series: [BarSeries(name: "all", values: types.map { $0.1.number ?? 0 }),
                     BarSeries(name: "long distance (different sites)", values: types.map { ld?[$0.0]?.number ?? 0 })],
            noData: "no data: no control message was exchanged"),
            "Every control message by type, and those whose two ends are at different sites."))
        return out
    }

    static func keyFigures(_ r: JSON) -> String {
        let s = r["summary"]
        let items: [(String, JSON?)] = [
            ("handovers", s?["handovers"]), ("peak rules (all switches)", s?.at("rules.peak_total")),
            ("install latency p99 (ms)", s?.at("install_latency_ms.p99")), ("reachable p50 (ms)", s?.at("handover.reachable_ms.p50")),
            ("packets replayed", s?.at("packets.replayed")), ("packets lost", s?.at("packets.lost")),
            ("triangular packets", s?.at("triangular.packets")), ("control messages", s?.at("messages.total")),
            ("long-distance messages", s?.at("messages.long_distance")),
        ]
        return "<div class=\"figures\">\n" + items.map { "<div class=\"figure\"><div class=\"v\">\(escape(T.cell($0.1)))</div><div class=\"k\">\(escape($0.0))</div></div>" }.joined(separator: "\n") + "\n</div>\n"
    }

    /// The HTML page of one replay report.
    public static func render(_ r: JSON) -> String {
        let title = "fmc replay report: \(T.cell(r["scenario"]))"
        let sections = ReportTables.sections(r, handoverLimit: 1000)
        var body = "<h1>\(escape(title))</h1>\n"
        body += "<p class=\"meta\">\(escape(T.cell(r["mode"]))) replay · \(escape(T.cell(r["controller"]))) controllers · \(escape(T.cell(r["strategy"]))) handovers · seed \(escape(T.cell(r["seed"]))) · \(escape(T.cell(r["schema"])))</p>\n"
        if r["complete"]?.bool == false { body += "<p class=\"warning\">Partial report: the replay was interrupted; the figures cover the replay up to then.</p>\n" }
        body += "<nav><a href=\"#charts\">Charts</a>" + sections.map { "<a href=\"#\($0.id)\">\(escape($0.title))</a>" }.joined() + "</nav>\n"
        body += keyFigures(r)
        body += "<section id=\"charts\">\n<h2>Charts</h2>\n"
        for (id, svg, caption) in charts(r) { body += figure(id, svg, caption: caption) }
        body += "</section>\n"
        body += sectionsHTML(sections)
        return page(title: title, body: body)
    }
}
