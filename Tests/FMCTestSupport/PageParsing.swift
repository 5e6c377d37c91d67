// Reading the pages fmc writes back in tests: Markdown tables by caption, CSV rows. Shared by
// the report unit tests and the CLI tests, which check the same pages from two sides.

import Foundation

/// Tables of a Markdown page by caption (the `**caption**` line before each table).
public func markdownTables(_ md: String) -> [String: (headers: [String], rows: [[String]])] {
    var out: [String: (headers: [String], rows: [[String]])] = [:]
    var caption: String?
    var header: [String]?
    var rows: [[String]] = []
    func cells(_ line: String) -> [String] {
        var fields: [String] = [], cur = ""
        var chars = Array(line.dropFirst().dropLast())[...]
        while let c = chars.popFirst() {
            if c == "\\", let n = chars.first, n == "|" || n == "\\" { cur.append(n); chars = chars.dropFirst(); continue }
            if c == "|" { fields.append(cur.trimmingCharacters(in: .whitespaces)); cur = ""; continue }
            cur.append(c)
        }
        fields.append(cur.trimmingCharacters(in: .whitespaces))
        return fields
    }
    func flush() {
        if let c = caption, let h = header { out[c] = (h, rows) }
        header = nil
        rows = []
    }
    for line in md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        if line.hasPrefix("**") && line.hasSuffix("**") && line.count > 4 {
            flush()
            caption = String(line.dropFirst(2).dropLast(2))
        } else if line.hasPrefix("|") {
            let c = cells(line)
            if header == nil { header = c } else if !c.allSatisfy({ $0.hasPrefix("---") || $0.hasPrefix(":--") || $0.hasSuffix("--:") }) { rows.append(c) }
        } else if line.isEmpty, header != nil {
            flush()
        }
    }
    flush()
    return out
}

/// RFC 4180 rows.
public func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = ""
    var quoted = false
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" { field.append("\""); chars = chars.dropFirst() } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true
        } else if c == "," { row.append(field); field = ""
        } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
        } else { field.append(c) }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

