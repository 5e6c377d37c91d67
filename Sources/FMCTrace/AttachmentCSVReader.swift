// fmc's native attachment format: CSV with a header naming at least `time`, `node` and
// `network` (any order, any case), optionally `cell`; other columns are ignored.
//
// time is seconds with an optional fraction (exact to the nanosecond) or ISO 8601 with a zone
// ("2026-11-25T06:23:01.25Z", "+01:00"). An empty network, "-" or "none" means detached.
// Time must not go backwards: this is the format fmc writes, and its consumers stream it.

import FMCCore
import FMCIO

public final class AttachmentCSVReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.attachments
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = true
    public private(set) var records = 0
    public private(set) var skippedLines = 0

    private let lines: LineReader
    private var timeColumn = -1, nodeColumn = -1, networkColumn = -1, cellColumn = -1
    private var columns = 0
    private var lastTime = Int64.min

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        while let header = try lines.nextString() {
            let trimmed = header.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { skippedLines += 1; continue }
            let names = splitCSV(Substring(trimmed)).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            columns = names.count
            for (i, n) in names.enumerated() {
                switch n {
                case "time", "t", "timestamp": timeColumn = i
                case "node", "id", "user": nodeColumn = i
                case "network", "net": networkColumn = i
                case "cell", "ap", "access_point": cellColumn = i
                default: break
                }
            }
            let missing = [("time", timeColumn), ("node", nodeColumn), ("network", networkColumn)].filter { $0.1 < 0 }.map(\.0)
            guard missing.isEmpty else {
                throw lines.error("the header must name the columns time, node and network; missing: \(missing.joined(separator: ", "))")
            }
            return
        }
        throw InputError(file: path, place: .line(max(1, lines.lineNumber), column: nil), message: "no header line (time,node,network)")
    }

    public func next() throws -> MobilityRecord? {
        while let raw = try lines.nextString() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { skippedLines += 1; continue }
            let f = splitCSV(Substring(line))
            guard f.count > max(timeColumn, nodeColumn, networkColumn) else {
                throw lines.error("expected \(columns) fields, found \(f.count)")
            }
            let timeText = f[timeColumn].trimmingCharacters(in: .whitespaces)
            guard let t = parseSecondsExact(timeText) ?? parseISO8601(timeText) else {
                throw lines.error("time '\(timeText)' is neither seconds nor ISO 8601", column: timeColumn + 1)
            }
            guard t >= lastTime else {
                throw lines.error("time \(timeText) goes backwards (previous \(formatSeconds(lastTime)) s); attachment traces must be in time order",
                                  column: timeColumn + 1)
            }
            lastTime = t
            let nodeName = f[nodeColumn].trimmingCharacters(in: .whitespaces)
            guard !nodeName.isEmpty else { throw lines.error("empty node", column: nodeColumn + 1) }
            let node = nodes.intern(nodeName)
            let network = f[networkColumn].trimmingCharacters(in: .whitespaces)
            let cell = cellColumn >= 0 && cellColumn < f.count ? f[cellColumn].trimmingCharacters(in: .whitespaces) : ""
            records += 1
            if network.isEmpty || network == "-" || network.lowercased() == "none" {
                return .detach(node: node, timeNs: t, line: lines.lineNumber)
            }
            return .attach(node: node, timeNs: t, point: network, cell: cell.isEmpty ? nil : cell, line: lines.lineNumber)
        }
        return nil
    }
}

/// Splits one CSV line; fields may be double-quoted (with "" for a quote inside).
func splitCSV(_ line: Substring) -> [String] {
    var out: [String] = []
    var field = ""
    var quoted = false
    var i = line.startIndex
    while i < line.endIndex {
        let c = line[i]
        if quoted {
            if c == "\"" {
                let n = line.index(after: i)
                if n < line.endIndex && line[n] == "\"" { field.append("\""); i = n } else { quoted = false }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            out.append(field)
            field = ""
        } else {
            field.append(c)
        }
        i = line.index(after: i)
    }
    out.append(field)
    return out
}

/// ISO 8601 date-time with a zone (Z or ±hh:mm) and an optional fraction, to ns since the epoch.
public func parseISO8601(_ s: String) -> Int64? {
    let u = Array(s.utf8)
    guard u.count >= 20 else { return nil }
    func num(_ a: Int, _ n: Int) -> Int64? {
        guard a + n <= u.count else { return nil }
        var v: Int64 = 0
        for k in a..<(a + n) {
            guard u[k] >= 48 && u[k] <= 57 else { return nil }
            v = v * 10 + Int64(u[k] - 48)
        }
        return v
    }
    guard let y = num(0, 4), u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2), u[10] == 84 || u[10] == 32,
          let h = num(11, 2), u[13] == 58, let mi = num(14, 2), u[16] == 58, let sec = num(17, 2),
          (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
    var i = 19
    var frac: Int64 = 0
    if i < u.count && u[i] == 46 {
        i += 1
        var digits = 0
        while i < u.count && u[i] >= 48 && u[i] <= 57 {
            if digits < 9 { frac = frac * 10 + Int64(u[i] - 48); digits += 1 }
            i += 1
        }
        guard digits > 0 else { return nil }
        while digits < 9 { frac *= 10; digits += 1 }
    }
    guard i < u.count else { return nil }
    var offset: Int64 = 0
    if u[i] == 90 {
        i += 1
    } else if u[i] == 43 || u[i] == 45 {
        guard let oh = num(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
        offset = (oh * 3600 + om * 60) * (u[i] == 43 ? 1 : -1)
        i += 6
    } else {
        return nil
    }
    guard i == u.count else { return nil }
    // Days from civil date (inverse of formatUTC's arithmetic).
    let yy = mo <= 2 ? y - 1 : y
    let era = (yy >= 0 ? yy : yy - 399) / 400
    let yoe = yy - era * 400
    let mp = (mo + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return ((days * 86_400 + h * 3600 + mi * 60 + sec - offset) * 1_000_000_000) + frac
}
