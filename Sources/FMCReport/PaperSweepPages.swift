// Pages of a paper sweep (`fmc synth paper-sweep`, scripts/reproduce-paper): its rules.csv
// and long-distance.csv as tables, and the paper-style Figures 5 and 6 (counted by replay,
// with the paper's formulas beside them).

import FMCCore

/// A small numeric CSV as the sweep writes it: a header line, then integer rows.
struct NumericCSV {
    var header: [String]
    var rows: [[String]]

    init(text: String, file: String) throws {
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        guard let first = lines.first else { throw InputError(file: file, place: .whole, message: "empty file") }
        header = first.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        rows = []
        for (i, l) in lines.dropFirst().enumerated() {
            let f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == header.count else {
                throw InputError(file: file, place: .line(i + 2, column: nil), message: "\(f.count) fields, the header has \(header.count)")
            }
            rows.append(f)
        }
    }

    func column(_ name: String) -> [Double]? {
        guard let i = header.firstIndex(of: name) else { return nil }
        return rows.map { Double($0[i]) ?? .nan }
    }
}

public struct PaperSweepData {
    var rules: NumericCSV
    var longDistance: NumericCSV

    public static let files = ("rules.csv", "long-distance.csv")

    public init(rulesCSV: String, longDistanceCSV: String, folder: String) throws {
        rules = try NumericCSV(text: rulesCSV, file: folder + "/" + PaperSweepData.files.0)
        longDistance = try NumericCSV(text: longDistanceCSV, file: folder + "/" + PaperSweepData.files.1)
        for (csv, name, needed) in [(rules, PaperSweepData.files.0, ["n", "centralized_rules", "distributed_max_rules"]),
                                    (longDistance, PaperSweepData.files.1, ["n", "centralized_long_distance", "distributed_fc_long_distance"])] {
            for k in needed where !csv.header.contains(k) {
                throw InputError(file: folder + "/" + name, place: .line(1, column: nil), message: "no column '\(k)': not a paper sweep")
            }
        }
    }

    func series(_ csv: NumericCSV, _ column: String, _ name: String, dashed: Bool = false) -> ChartSeries? {
        guard let n = csv.column("n"), let v = csv.column(column) else { return nil }
        return ChartSeries(name: name, points: zip(n, v).filter { $0.0.isFinite && $0.1.isFinite }.map { ($0.0, $0.1) }, dashed: dashed)
    }

    static let nLabel = "n: peers at the home and foreign networks, and correspondent networks (count)"

    func figure5(width: Int = 1160, height: Int = 460) -> String {
        SVGChart.lines(
            title: "Fig. 5: rules managed for one migration", xLabel: PaperSweepData.nLabel, yLabel: "rules managed by the controller (count)",
            series: [series(rules, "centralized_rules", "centralized controller (counted)"),
                     series(rules, "distributed_max_rules", "most loaded distributed controller (counted)"),
                     series(rules, "formula_centralized", "centralized: paper's formula", dashed: true),
                     series(rules, "formula_fc", "foreign controller: paper's formula", dashed: true)].compactMap { $0 },
            style: .line, width: width, height: height, noData: "no data: rules.csv has no rows")
    }

    func figure6(width: Int = 1160, height: Int = 460) -> String {
        SVGChart.lines(
            title: "Fig. 6: long-distance messages for one migration", xLabel: PaperSweepData.nLabel,
            yLabel: "messages between different sites (count)",
            series: [series(longDistance, "centralized_long_distance", "centralized controller at the foreign site"),
                     series(longDistance, "distributed_fc_long_distance", "distributed: foreign controller (FC)"),
                     series(longDistance, "distributed_long_distance_total", "distributed: all controllers", dashed: true)].compactMap { $0 },
            style: .line, width: width, height: height, noData: "no data: long-distance.csv has no rows")
    }

    func sections() -> [ReportSection] {
        func table(_ caption: String, _ c: NumericCSV) -> ReportTable {
            ReportTable(caption: caption, headers: c.header, rows: c.rows, numeric: Set(c.header.indices))
        }
        var s = ReportSection(id: "sweep", title: "The sweep")
        s.paragraphs.append("For each n: one migration with n home peers, n foreign peers and n correspondent networks of one peer each, replayed with a centralized controller at the foreign site and with distributed controllers. Rules are counted from the emulated flow tables; long-distance messages are those whose two ends are at different sites.")
        s.tables.append(table("Rules managed (rules.csv)", rules))
        s.tables.append(table("Long-distance messages (long-distance.csv)", longDistance))
        return [s]
    }

    public func markdown() -> String {
        MarkdownReport.sections("fmc paper sweep: Figures 5 and 6", sections())
    }

    public func html() -> String {
        let title = "fmc paper sweep: Figures 5 and 6"
        var body = "<h1>\(HTMLReport.escape(title))</h1>\n<section id=\"charts\">\n<h2>Charts</h2>\n"
        body += HTMLReport.figure("fig5", figure5(), caption: "Rules the controller manages for one migration, against n (the paper's Fig. 5); dashed: the paper's formulas for the same n.")
        body += HTMLReport.figure("fig6", figure6(), caption: "Messages between controllers and switches at different sites for one migration (the paper's Fig. 6).")
        body += "</section>\n" + HTMLReport.sectionsHTML(sections())
        return HTMLReport.page(title: title, body: body)
    }
}
