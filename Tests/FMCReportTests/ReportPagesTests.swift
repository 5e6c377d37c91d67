// The pages `fmc report` writes, rendered from small report.json files built here: the
// Markdown and CSV values must be the JSON's, the SVG charts must have their axis labels,
// legends and one drawn path per series, and missing data must be said, not hidden.

import FMCCore
import FMCTestSupport
import Foundation
import Testing

@testable import FMCReport

func level(_ points: [(Int64, Int64)], bin: Int64 = 1_000_000_000) -> [(String, JSON)] {
    [("bin_ns", .integer(bin)), ("peak", .integer(points.map(\.1).max() ?? 0)),
     ("points", .array(points.map { .array([.integer($0.0), .integer($0.1)]) }))]
}

/// A small report in the shape `fmc replay` writes (fmc-report/1), with figures chosen here.
func sampleReport(series: Bool = true, truncated: Bool = false, replayed: Int64 = 1200, lossy: Bool = true) -> JSON {
    let handovers: [JSON] = [
        .object([("node", .string("198.18.1.10")), ("from", .string("A")), ("to", .string("B")), ("start_ns", .integer(2_500_000_000)),
                 ("link_up_ns", .integer(2_550_000_000)), ("locator", .string("198.18.2.128")), ("reachable_ms", .double(51.642)),
                 ("converged_ms", .double(52.02)), ("outage_ms", .double(97.12)), ("lost", .integer(lossy ? 5 : 0)),
                 ("lost_by_cause", .object(lossy ? [("detached_during_l2_gap", .integer(3)), ("reached_old_location", .integer(2))] : [])),
                 ("lost_bytes", .integer(lossy ? 640 : 0))]),
        .object([("node", .string("198.18.1.11")), ("from", .null), ("to", .string("A")), ("start_ns", .integer(10_000_000_001)),
                 ("link_up_ns", .null), ("locator", .null), ("reachable_ms", .null), ("converged_ms", .null), ("outage_ms", .null),
                 ("lost", .integer(0)), ("lost_by_cause", .object([])), ("lost_bytes", .integer(0))]),
        .object([("node", .string("198.18.1.10")), ("from", .string("B")), ("to", .string("A, north")), ("start_ns", .integer(20_000_000_000)),
                 ("link_up_ns", .integer(20_050_000_000)), ("locator", .null), ("reachable_ms", .double(1.6)),
                 ("converged_ms", .double(1.6)), ("outage_ms", .null), ("lost", .integer(lossy ? 1 : 0)),
                 ("lost_by_cause", .object(lossy ? [("no_route", .integer(1))] : [])), ("lost_bytes", .integer(lossy ? 90 : 0))]),
    ]
    var fields: [(String, JSON)] = [
        ("schema", .string("fmc-report/1")), ("complete", .bool(true)), ("mode", .string("emulated")),
        ("controller", .string("distributed")), ("strategy", .string("reactive")), ("seed", .integer(7)), ("scenario", .string("unit")),
        ("inputs", .array([.object([("role", .string("scenario")), ("file", .string("s.yaml")), ("sha256", .string(String(repeating: "ab", count: 32)))])])),
        ("model", .object([("note", .string("emulated")), ("install_profile", .string("ovs")), ("core_ms", .integer(2))])),
        ("run", .object([("timeline_events", .integer(99)), ("end_ns", .integer(30_000_000_000))])),
        ("summary", .object([
            ("handovers", .integer(truncated ? 40 : 3)),
            ("rules", .object([
                ("peak_total", .integer(17)),
                ("per_switch_peak", .object([("s1", .integer(11)), ("s2", .integer(6))])),
                ("per_controller_peak", .object([("c-A", .integer(11)), ("c-B", .integer(6))])),
                ("per_role_peak", .object([("base", .integer(2)), ("home", .integer(4)), ("foreign", .integer(9)), ("correspondent", .integer(0))])),
                ("per_name_peak", .object([("fs-deliver", .integer(3)), ("hs|redirect", .integer(2))])),
                ("installs", .integer(21)), ("removals", .integer(4)),
            ])),
            ("install_latency_ms", .object([("p50", .double(0.358)), ("p90", .double(0.618)), ("p99", .double(1.237)), ("max", .double(1.351)), ("count", .integer(21))])),
            ("handover", .object([
                ("reachable_ms", .object([("p50", .double(51.642)), ("p90", .double(52.167)), ("p99", .double(52.691)), ("max", .double(52.694)), ("count", .integer(2))])),
                ("converged_ms", .object([("p50", .double(51.642)), ("p99", .double(53.215)), ("max", .double(53.365)), ("count", .integer(2))])),
                ("outage_ms", .object([("p50", .double(97.12)), ("p99", .double(7321.01)), ("max", .double(7321.01)), ("count", .integer(1))])),
            ])),
            ("packets", .object([
                ("replayed", .integer(replayed)), ("delivered", .integer(1194)), ("delivered_direct", .integer(1100)), ("triangular", .integer(94)),
                ("lost", .integer(6)),
                ("lost_by_cause", .object([("detached_during_l2_gap", .integer(3)), ("node_not_attached", .integer(0)), ("reached_old_location", .integer(2)), ("no_route", .integer(1))])),
                ("lost_bytes", .integer(730)),
            ])),
            ("triangular", .object([("packets", .integer(94)), ("bytes", .integer(12_000)), ("extra_delay_ms_p50", .double(3.424)),
                                    ("extra_delay_ms_p99", .null), ("stretch_p50", .double(2.704)), ("phase_ms_p50", .double(901.775)), ("phases", .integer(2))])),
            ("messages", .object([("total", .integer(300)), ("long_distance", .integer(12)),
                                  ("by_type", .object([("flow-mod", .integer(25)), ("map", .integer(12)), ("packet-in", .integer(263))])),
                                  ("long_distance_by_type", .object([("map", .integer(12))]))])),
            ("controllers", .object([
                ("c-A", .object([("site", .string("lyon")), ("networks", .array([.string("A")])), ("messages_in", .integer(150)), ("messages_out", .integer(40)),
                                 ("peak_messages_per_s", .integer(58)), ("peak_rules", .integer(11)), ("peak_mappings", .integer(2))])),
                ("c-B", .object([("site", .string("geneva")), ("networks", .array([.string("B"), .string("B2")])), ("messages_in", .integer(80)), ("messages_out", .integer(30)),
                                 ("peak_messages_per_s", .double(12.5)), ("peak_rules", .integer(6)), ("peak_mappings", .integer(1))])),
            ])),
        ])),
        ("handovers", .array(handovers)),
        ("handovers_truncated", .bool(truncated)),
        ("rule_events", .array([
            .object([("time_ns", .integer(508_035)), ("switch", .string("s1")), ("rule", .string("fs-deliver")), ("role", .string("foreign")),
                     ("node", .string("198.18.1.10")), ("event", .string("install")), ("latency_ms", .double(0.258))]),
            .object([("time_ns", .integer(9_000_000_000)), ("switch", .string("s2")), ("rule", .string("hs-redirect")), ("role", .string("home")),
                     ("node", .null), ("event", .string("remove")), ("latency_ms", .null)]),
        ])),
        ("rule_events_total", .integer(2)), ("rule_events_truncated", .bool(false)), ("rule_listing", .array([])),
    ]
    if series {
        fields.append(("series", .object([
            ("rules_total", .object(level([(0, 4), (2_000_000_000, 9), (20_000_000_000, 17)]))),
            ("rules_per_switch", .array([
                .object([("switch", .string("s1")), ("network", .string("A"))] + level([(0, 2), (2_000_000_000, 6), (20_000_000_000, 11)])),
                .object([("switch", .string("s2")), ("network", .string("B"))] + level([(0, 2), (3_000_000_000, 6)])),
            ])),
            ("rules_per_controller", .array([])),
            ("controller_messages", .array([
                .object([("controller", .string("c-A")), ("bin_ns", .integer(1_000_000_000)), ("total", .integer(190)),
                         ("points", .array([.array([.integer(0), .integer(100)]), .array([.integer(2_000_000_000), .integer(90)])]))]),
                .object([("controller", .string("c-B")), ("bin_ns", .integer(2_000_000_000)), ("total", .integer(110)),
                         ("points", .array([.array([.integer(2_000_000_000), .integer(110)])]))]),
            ])),
            ("controller_mappings", .array([])),
            ("install_latency_ms_cdf", .array([.array([.double(0.224), .double(0.25)]), .array([.double(0.358), .double(0.5)]), .array([.double(1.351), .integer(1)])])),
            ("handover_reachable_ms_cdf", .array([.array([.double(1.6), .double(0.5)]), .array([.double(51.642), .integer(1)])])),
            ("handover_converged_ms_cdf", .array([.array([.double(1.6), .double(0.5)]), .array([.double(52.02), .integer(1)])])),
            ("handover_outage_ms_cdf", .array([.array([.double(97.12), .integer(1)])])),
            ("triangular_phase_ms_cdf", .array([.array([.double(2.5), .double(0.5)]), .array([.double(901.775), .integer(1)])])),
        ])))
    }
    return .object(fields)
}

func tempDir() throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-report-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

/// Renders `report` from a report.json file in a fresh folder, as `fmc report` does.
func render(_ report: JSON, formats: Set<PageFormat> = [.all]) throws -> (dir: String, written: [String]) {
    let d = try tempDir()
    try report.pretty.write(toFile: d + "/report.json", atomically: true, encoding: .utf8)
    return (d, try ReportPages.write(run: d, formats: formats))
}

/// The `<figure class="chart">` blocks of a page, by id.
func charts(_ html: String) -> [String: String] {
    var out: [String: String] = [:]
    for part in html.components(separatedBy: "<figure class=\"chart\" id=\"chart-").dropFirst() {
        let id = String(part.prefix { $0 != "\"" })
        out[id] = part.components(separatedBy: "</figure>").first ?? ""
    }
    return out
}

@Suite("fmc report pages")
struct ReportPagesTests {
    @Test("report.md tables hold report.json's numbers, as written")
    func markdownValues() throws {
        let r = sampleReport()
        let (d, written) = try render(r)
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(written.contains(d + "/report.md") && written.contains(d + "/report.html") && written.contains(d + "/csv/summary.csv"))
        let t = markdownTables(try read(d + "/report.md"))
        let perSwitch = try #require(t["Peak rules per switch"])
        #expect(perSwitch.rows == [["s1", "11"], ["s2", "6"]])
        #expect(t["Peak rules per rule name"]?.rows == [["fs-deliver", "3"], ["hs|redirect", "2"]], "a | in a name is escaped, not a column")
        #expect(t["Peak rules per role"]?.rows.map(\.[1]) == ["2", "4", "9", "0"])
        let lat = try #require(t["Install latency"])
        #expect(lat.headers == ["measure", "p50 (ms)", "p90 (ms)", "p99 (ms)", "max (ms)", "count"])
        #expect(lat.rows == [["install", "0.358", "0.618", "1.237", "1.351", "21"]])
        let ho = try #require(t["Handover times"])
        #expect(ho.rows.first { $0[0] == "outage" } == ["outage", "97.12", "–", "7321.01", "7321.01", "1"], "converged and outage have no p90")
        #expect(t["Loss by cause"]?.rows == [["detached_during_l2_gap", "3"], ["node_not_attached", "0"], ["reached_old_location", "2"], ["no_route", "1"]])
        #expect(t["Triangular routing"]?.rows.first { $0[0] == "extra_delay_ms_p99" }?[1] == "–")
        #expect(t["Triangular routing"]?.rows.first { $0[0] == "stretch_p50" }?[1] == "2.704")
        #expect(t["Messages by type"]?.rows == [["flow-mod", "25", "0"], ["map", "12", "12"], ["packet-in", "263", "0"]])
        #expect(t["Messages in all"]?.rows == [["total", "300"], ["long_distance", "12"]])
        #expect(t["Rules in all"]?.rows == [["peak_total", "17"], ["installs", "21"], ["removals", "4"]])
        let ctl = try #require(t["Per controller"])
        #expect(ctl.rows[1] == ["c-B", "geneva", "B, B2", "80", "30", "12.5", "6", "1"])
        let detail = try #require(t["Handovers, in the order they ended"])
        #expect(detail.rows.count == 3)
        #expect(detail.rows[0] == ["1", "198.18.1.10", "A", "B", "2.5", "51.642", "52.02", "97.12", "5", "detached_during_l2_gap 3, reached_old_location 2", "640"])
        #expect(detail.rows[1][4] == "10.000000001", "start seconds are exact")
        #expect(detail.rows[1][2] == "–" && detail.rows[1][5] == "–")
        #expect(detail.rows[2][3] == "A, north")
        #expect(!(try read(d + "/report.md")).contains("Truncated"))
    }

    @Test("a truncated report says so above the handover rows")
    func truncated() throws {
        let (d, _) = try render(sampleReport(truncated: true), formats: [.md])
        defer { try? FileManager.default.removeItem(atPath: d) }
        let md = try read(d + "/report.md")
        #expect(md.contains("**Truncated:** the report lists the first 3 of 40 handovers"))
        #expect(!FileManager.default.fileExists(atPath: d + "/report.html"), "only the formats asked for")
        #expect(!FileManager.default.fileExists(atPath: d + "/csv"))
    }

    @Test("CSV rows equal the JSON values")
    func csvValues() throws {
        let r = sampleReport()
        let (d, _) = try render(r, formats: [.csv])
        defer { try? FileManager.default.removeItem(atPath: d) }
        let summary = csvRows(try read(d + "/csv/summary.csv"))
        #expect(summary[0] == ["metric", "value"])
        let map = Dictionary(uniqueKeysWithValues: summary.dropFirst().map { ($0[0], $0[1]) })
        #expect(map["summary.install_latency_ms.p99"] == "1.237")
        #expect(map["summary.handover.outage_ms.p99"] == "7321.01")
        #expect(map["summary.triangular.extra_delay_ms_p99"] == "")
        #expect(map["summary.controllers.c-B.networks.1"] == "B2")
        #expect(map["summary.controllers.c-B.peak_messages_per_s"] == "12.5")
        #expect(map["summary.rules.per_name_peak.hs|redirect"] == "2")
        // Every scalar of the summary, and nothing else.
        var leaves = 0
        func count(_ v: JSON) {
            switch v {
            case let .object(f): f.forEach { count($0.1) }
            case let .array(a): a.forEach(count)
            default: leaves += 1
            }
        }
        count(r["summary"]!)
        #expect(summary.count - 1 == leaves)

        let ho = csvRows(try read(d + "/csv/handovers.csv"))
        #expect(ho[0] == ["index", "node", "from", "to", "start_ns", "link_up_ns", "locator", "reachable_ms", "converged_ms", "outage_ms", "lost", "lost_bytes",
                          "lost_detached_during_l2_gap", "lost_node_not_attached", "lost_reached_old_location", "lost_no_route"])
        #expect(ho[1] == ["1", "198.18.1.10", "A", "B", "2500000000", "2550000000", "198.18.2.128", "51.642", "52.02", "97.12", "5", "640", "3", "0", "2", "0"])
        #expect(ho[2] == ["2", "198.18.1.11", "", "A", "10000000001", "", "", "", "", "", "0", "0", "0", "0", "0", "0"])
        #expect(ho[3][3] == "A, north", "a comma inside a field is quoted, not a new column")
        #expect(ho[3].count == ho[0].count)
        #expect(try read(d + "/csv/handovers.csv").contains("\"A, north\""))

        let ev = csvRows(try read(d + "/csv/rule_events.csv"))
        #expect(ev[0] == ["index", "time_ns", "switch", "rule", "role", "node", "event", "latency_ms"])
        #expect(ev[1] == ["1", "508035", "s1", "fs-deliver", "foreign", "198.18.1.10", "install", "0.258"])
        #expect(ev[2] == ["2", "9000000000", "s2", "hs-redirect", "home", "", "remove", ""])

        #expect(csvRows(try read(d + "/csv/switch_rules.csv")) == [
            ["time_s", "switch", "rules"], ["0", "s1", "2"], ["2", "s1", "6"], ["20", "s1", "11"], ["0", "s2", "2"], ["3", "s2", "6"],
        ])
        #expect(csvRows(try read(d + "/csv/controller_messages.csv")) == [
            ["time_s", "controller", "messages", "bin_s"], ["0", "c-A", "100", "1"], ["2", "c-A", "90", "1"], ["2", "c-B", "110", "2"],
        ])
        let dist = csvRows(try read(d + "/csv/distributions.csv"))
        #expect(dist.contains(["install_latency", "0.358", "0.5"]))
        #expect(dist.contains(["handover_outage", "97.12", "1"]))
        #expect(dist.count == 1 + 3 + 2 + 2 + 1 + 2)
    }

    @Test("every chart has axis labels, a legend and a non-empty path or bars per series; nothing is fetched")
    func htmlCharts() throws {
        let (d, _) = try render(sampleReport(), formats: [.html])
        defer { try? FileManager.default.removeItem(atPath: d) }
        let html = try read(d + "/report.html")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // Self-contained: no scripts, no stylesheets or images by address; the only URL is SVG's namespace.
        for banned in ["<script", "<link", "<img", "@import", "url(", "src="] { #expect(!html.contains(banned), "\(banned)") }
        #expect(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").range(of: "http") == nil)
        let c = charts(html)
        #expect(Set(c.keys) == ["rules", "install-latency", "handover-times", "loss", "triangular", "controller-messages", "controller-load", "message-types"])
        for (id, chart) in c {
            #expect(chart.contains("<svg"), "\(id)")
            for cls in ["axis-label x-label", "axis-label y-label"] {
                let label = chart.components(separatedBy: "class=\"\(cls)\"").dropFirst().first?.components(separatedBy: ">").dropFirst().first?.components(separatedBy: "<").first ?? ""
                #expect(!label.isEmpty, "\(id): \(cls)")
            }
            #expect(chart.contains("<g class=\"legend\">"), "\(id)")
            #expect(!chart.contains("class=\"nodata\""), "\(id) has data")
            // One group per series, each with something drawn.
            let groups = chart.components(separatedBy: "<g class=\"series\" data-series=\"").dropFirst()
            #expect(!groups.isEmpty, "\(id)")
            for g in groups {
                let name = String(g.prefix { $0 != "\"" })
                let body = g.components(separatedBy: "</g>").first ?? ""
                let drawn = body.contains("<path class=\"data\" d=\"M") || body.contains("<rect class=\"data\"")
                #expect(drawn, "\(id): series \(name) draws nothing")
                #expect(chart.contains(">\(name)</text>"), "\(id): \(name) is in the legend")
            }
        }
        // Units on the axes.
        #expect(c["install-latency"]!.contains("install latency (ms)"))
        #expect(c["rules"]!.contains("time since the start of the replay (s)"))
        // Two switches: two lines; the loss chart stacks only the causes that lost packets.
        #expect(c["rules"]!.components(separatedBy: "<path class=\"data\"").count - 1 == 2)
        #expect(c["loss"]!.components(separatedBy: "<g class=\"series\"").count - 1 == 3)
        // The tables are on the page too, with the same numbers.
        #expect(html.contains("<td class=\"num\">1.237</td>"))
    }

    @Test("a report without series, packets or losses shows each empty chart's frame with the reason")
    func noData() throws {
        let (d, _) = try render(sampleReport(series: false, replayed: 0, lossy: false), formats: [.html, .csv])
        defer { try? FileManager.default.removeItem(atPath: d) }
        let c = charts(try read(d + "/report.html"))
        #expect(c.count == 8, "no chart is left out")
        for id in ["rules", "install-latency", "handover-times", "triangular", "controller-load"] {
            #expect(c[id]?.contains("no data: this report.json has no time series") == true, "\(id)")
            #expect(c[id]?.contains("axis-label x-label") == true)
        }
        #expect(c["loss"]?.contains("no data: no packets were replayed") == true)
        #expect(c["controller-messages"]?.contains("class=\"nodata\"") == false, "counts come from the summary")
        #expect(csvRows(try read(d + "/csv/switch_rules.csv")) == [["time_s", "switch", "rules"]])
    }

    @Test("lost nothing: the loss chart says so")
    func noLoss() throws {
        let (d, _) = try render(sampleReport(lossy: false), formats: [.html])
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(charts(try read(d + "/report.html"))["loss"]?.contains("no packet was lost in any listed handover") == true)
    }

    @Test("RUN may be the folder or the file; anything else is an error naming it")
    func locate() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(throws: InputError.self) { try ReportPages.locate(d) }
        #expect(throws: InputError.self) { try ReportPages.locate(d + "/missing.json") }
        try sampleReport().pretty.write(toFile: d + "/r.json", atomically: true, encoding: .utf8)
        #expect(try ReportPages.locate(d + "/r.json") == .replay(file: d + "/r.json", folder: d))
        try "{\"schema\": \"other/1\"}".write(toFile: d + "/o.json", atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try ReportPages.write(run: d + "/o.json", formats: [.md]) }
        try "{\"schema\": \"fmc-report/1\", ".write(toFile: d + "/bad.json", atomically: true, encoding: .utf8)
        do {
            try ReportPages.write(run: d + "/bad.json", formats: [.md])
            Issue.record("a cut JSON file must fail")
        } catch let e as InputError {
            #expect(e.description.contains("bad.json: byte offset"))
        }
        let written = try ReportPages.write(run: d + "/r.json", formats: [.md])
        #expect(written == [d + "/report.md"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).filter { $0.contains(".tmp-") }.isEmpty, "no temporary file is left")
    }

    @Test("a paper sweep folder gets Figures 5 and 6")
    func paperSweep() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "n,centralized_rules,distributed_max_rules,distributed_fc_rules,distributed_hc_rules,formula_centralized,formula_fc\n0,11,7,7,4,11,7\n1,19,9,9,5,19,9\n2,27,11,11,6,27,11\n"
            .write(toFile: d + "/rules.csv", atomically: true, encoding: .utf8)
        try "n,centralized_long_distance,distributed_fc_long_distance,distributed_long_distance_total\n0,6,4,8\n1,9,5,10\n2,12,6,12\n"
            .write(toFile: d + "/long-distance.csv", atomically: true, encoding: .utf8)
        #expect(try ReportPages.locate(d) == .sweep(folder: d))
        try ReportPages.write(run: d, formats: [.all])
        let html = try read(d + "/report.html")
        let c = charts(html)
        #expect(Set(c.keys) == ["fig5", "fig6"])
        #expect(c["fig5"]!.components(separatedBy: "<path class=\"data\"").count - 1 == 4)
        #expect(c["fig6"]!.components(separatedBy: "<path class=\"data\"").count - 1 == 3)
        #expect(c["fig5"]!.contains("rules managed by the controller (count)"))
        let t = markdownTables(try read(d + "/report.md"))
        #expect(t["Rules managed (rules.csv)"]?.rows[2] == ["2", "27", "11", "11", "6", "27", "11"])
        try "n,centralized_rules\n0,1,2\n".write(toFile: d + "/rules.csv", atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try ReportPages.write(run: d, formats: [.md]) }
    }
}

@Suite("SVG charts")
struct SVGChartTests {
    /// Numbers of an SVG path's commands.
    func coordinates(_ d: String) -> [Double] {
        d.split(whereSeparator: { " MLHV".contains($0) }).compactMap { Double($0) }
    }

    func path(_ svg: String) -> String {
        svg.components(separatedBy: "<path class=\"data\" d=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""
    }

    @Test("a CDF starts on the x axis, steps up at each value and ends at the top")
    func cdf() {
        let svg = SVGChart.lines(title: "t", xLabel: "x (ms)", yLabel: "fraction", series: [ChartSeries(name: "a", points: [(1, 0.25), (2, 0.5), (4, 1)])], style: .cdf)
        let d = path(svg)
        #expect(d.hasPrefix("M") && d.contains("V") && d.contains("H"))
        let nums = coordinates(d)
        // M x0 yBottom V y1 H x1 V y2 H x2 V y3 H xEnd: y falls (SVG y grows downwards).
        let ys = [nums[1], nums[2], nums[4], nums[6]]
        #expect(ys == ys.sorted(by: >), "monotone")
        #expect(nums[6] < nums[1])
        #expect(svg.contains(">x (ms)</text>") && svg.contains(">fraction</text>") && svg.contains(">a</text>"))
    }

    @Test("a level line holds its value until the next point and runs to the end of the run")
    func levelLine() {
        let svg = SVGChart.lines(title: "t", xLabel: "s", yLabel: "rules", series: [ChartSeries(name: "s1", points: [(0, 2), (10, 5)])], style: .level, xEnd: 30)
        let nums = coordinates(path(svg))
        #expect(nums.count == 5)  // M x y H x V y H xEnd
        #expect(nums[4] > nums[2], "extended to the run's end")
        #expect(!svg.contains(">40</text>"), "the time axis ends with the run, not at the next tick")
    }

    @Test("stacked bars: heights add up, zero values draw nothing")
    func stacked() {
        let svg = SVGChart.bars(title: "t", xLabel: "handover", yLabel: "packets", categories: ["1", "2"],
                                series: [BarSeries(name: "a", values: [3, 0]), BarSeries(name: "b", values: [1, 4])], stacked: true)
        let rects = svg.components(separatedBy: "<rect class=\"data\"").dropFirst().map { r -> Double in
            Double(r.components(separatedBy: "height=\"")[1].prefix { $0 != "\"" })!
        }
        #expect(rects.count == 3)
        #expect(abs(rects[0] + rects[1] - rects[2]) < 0.2, "3 + 1 stacked is as tall as 4")
    }

    @Test("nothing to draw: the frame, axis labels, legend and the reason")
    func empty() {
        let svg = SVGChart.bars(title: "t", xLabel: "x (n)", yLabel: "y (n)", categories: ["a"], series: [BarSeries(name: "s", values: [0])], noData: "no data: nothing")
        #expect(svg.contains("class=\"nodata\"") && svg.contains("no data: nothing"))
        #expect(svg.contains(">x (n)</text>") && svg.contains(">y (n)</text>") && svg.contains(">s</text>"))
        #expect(!svg.contains("class=\"data\""))
    }

    @Test("a wide range goes to a log axis with 1-2-5 ticks")
    func logAxis() {
        let svg = SVGChart.lines(title: "t", xLabel: "ms", yLabel: "f", series: [ChartSeries(name: "a", points: [(50, 0.5), (7000, 1)])], style: .cdf, allowLogX: true)
        #expect(svg.contains("ms, log scale"))
        for t in [">50<", ">100<", ">200<", ">500<", ">1000<", ">5000<"] { #expect(svg.contains(t), "\(t)") }
        #expect(SVGChart.logTicks(0.3, 40) == [0.2, 0.5, 1, 2, 5, 10, 20, 50])
    }
}

@Suite("JSON reader")
struct JSONReaderTests {
    @Test("the writer's text reads back to the same value, key order and integers kept")
    func roundTrip() throws {
        let v = sampleReport()
        #expect(try JSON.parse(v.pretty) == v)
        #expect(try JSON.parse(v.compact) == v)
        let odd: JSON = .object([("z", .integer(-9_007_199_254_740_993)), ("a", .double(1e-7)), ("é\"\n\u{1}", .string("tab\tquote\"slash\\ü😀")),
                                 ("e", .array([])), ("o", .object([])), ("b", .bool(false)), ("n", .null)])
        #expect(try JSON.parse(odd.pretty) == odd)
        #expect(try JSON.parse("[1.5e3, -0.25, \"\\ud83d\\ude00\\u00e9\"]") == .array([.double(1500), .double(-0.25), .string("😀é")]))
        #expect(JSON.double(7321.01).numberText == "7321.01" && JSON.double(58).numberText == "58")
    }

    @Test("bad text is an error with its byte offset", arguments: [("{\"a\": 1,}", 8), ("[1 2]", 3), ("{\"a\" 1}", 5), ("\"abc", 4), ("[1] x", 4), ("tru", 0)])
    func errors(_ text: String, _ offset: Int) {
        do {
            _ = try JSON.parse(text)
            Issue.record("\(text) parsed")
        } catch let e as JSONParseError {
            #expect(e.offset == offset, "\(text): \(e)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
