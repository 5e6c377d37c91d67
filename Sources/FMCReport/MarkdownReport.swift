// report.md: the report for people reading text (and for diffs in review): the tables of
// ReportTables, in GitHub-flavoured Markdown.

import FMCCore

public enum MarkdownReport {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\n", with: " ")
    }

    static func table(_ t: ReportTable) -> String {
        var out = "**\(t.caption)**\n\n"
        if t.rows.isEmpty { return out + "(none)\n\n" }
        out += "| " + t.headers.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + t.headers.indices.map { t.numeric.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|\n"
        for r in t.rows { out += "| " + r.map(escape).joined(separator: " | ") + " |\n" }
        return out + "\n"
    }

    static func sections(_ title: String, _ sections: [ReportSection]) -> String {
        var out = "# \(title)\n\n"
        for s in sections {
            out += "## \(s.title)\n\n"
            for p in s.paragraphs { out += p + "\n\n" }
            for t in s.tables { out += table(t) }
        }
        return out
    }

    /// The Markdown page of one replay report.
    public static func render(_ report: JSON) -> String {
        sections("fmc replay report: \(ReportText.cell(report["scenario"]))", ReportTables.sections(report))
    }
}
