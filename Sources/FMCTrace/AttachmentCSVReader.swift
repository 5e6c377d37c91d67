// fmc's native attachment format: CSV with a header naming at least `time`, `node` and
// `network` (any order, any case), optionally `cell`; other columns are ignored. This file
// owns reading it.
//
// time is seconds with an optional fraction (exact to the nanosecond) or ISO 8601
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
    // Counters and per-line state are touched once per record by this reader alone: no
    // dynamic exclusivity checks (they cost as much as parsing a field).
    @exclusivity(unchecked) public private(set) var records = 0
    @exclusivity(unchecked) public private(set) var skippedLines = 0
    /// The header's column names, trimmed and lower-cased, in file order.
    public private(set) var columns: [String] = []

    private let lines: LineReader
    private let fields = FieldSplitter()
    private let nodeNames: NodeInterner
    /// Network and cell names: one shared String per distinct name, not one per line.
    private let names = ByteInterner()
    private var timeColumn = -1, nodeColumn = -1, networkColumn = -1, cellColumn = -1
    /// Fields a row needs: up to the last of time, node and network (cell may be missing).
    private var needed = 0
    @exclusivity(unchecked) private var lastTime = Int64.min
    @exclusivity(unchecked) private var lastTimeLine = 0

    /// Column names accepted for each role (after lower-casing). `ap` is a cell: an access
    /// point that the scenario maps to a network, like a cell identifier.
    static let timeNames: Set<String> = ["time", "t", "timestamp"]
    static let nodeNamesAccepted: Set<String> = ["node", "id", "user"]
    static let networkNames: Set<String> = ["network", "net"]
    static let cellNames: Set<String> = ["cell", "ap", "access_point"]

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        nodeNames = NodeInterner(nodes)
        while let raw = try lines.nextLine() {
            let line = trimBlanks(stripBOM(raw, lineNumber: lines.lineNumber))
            if line.count == 0 || line[0] == UInt8(ascii: "#") { skippedLines += 1; continue }
            if let problem = fields.splitCSV(line) { throw lines.error("header: \(problem)") }
            for i in 0..<fields.count {
                let name = String(decoding: fields[i], as: UTF8.self).lowercased()
                columns.append(name)
                func take(_ slot: inout Int) throws {
                    guard slot < 0 else { throw lines.error("the header names the \(name) column twice", column: nil) }
                    slot = i
                }
                if Self.timeNames.contains(name) { try take(&timeColumn) }
                else if Self.nodeNamesAccepted.contains(name) { try take(&nodeColumn) }
                else if Self.networkNames.contains(name) { try take(&networkColumn) }
                else if Self.cellNames.contains(name) { try take(&cellColumn) }
            }
            let missing = [("time", timeColumn), ("node", nodeColumn), ("network", networkColumn)].filter { $0.1 < 0 }.map(\.0)
            guard missing.isEmpty else {
                throw lines.error("the header must name the columns time, node and network; missing: \(missing.joined(separator: ", "))")
            }
            needed = max(timeColumn, nodeColumn, networkColumn) + 1
            return
        }
        throw InputError(file: path, place: .line(max(1, lines.lineNumber), column: nil), message: "no header line (time,node,network)")
    }

    public func next() throws -> MobilityRecord? {
        while let t = try nextTimedCSVRow(lines, fields, needed: needed, columnCount: columns.count, timeColumn: timeColumn,
                                           lastTime: lastTime, lastTimeLine: lastTimeLine, skipped: &skippedLines,
                                           kind: "attachment traces") {
            let nodeField = fields[nodeColumn]
            guard nodeField.count > 0 else { throw lines.error("empty node", column: nodeColumn + 1) }
            lastTime = t
            lastTimeLine = lines.lineNumber
            let node = nodeNames.node(nodeField)
            let network = fields[networkColumn]
            records += 1
            if network.count == 0 || (network.count == 1 && network[0] == UInt8(ascii: "-")) || equalsIgnoringCase(network, "none") {
                return .detach(node: node, timeNs: t, line: lines.lineNumber)
            }
            var cell: String?
            if cellColumn >= 0 && cellColumn < fields.count && fields[cellColumn].count > 0 {
                cell = names.string(fields[cellColumn])
            }
            return .attach(node: node, timeNs: t, point: names.string(network), cell: cell, line: lines.lineNumber)
        }
        return nil
    }
}

/// The next data row of a CSV trace whose rows come in time order: blank and `#` lines are
/// counted in `skipped`, the row is split into `fields`, and the time in `timeColumn` is
/// parsed and checked against the last row's. Nil at the end. The caller validates the rest
/// of the row, then records its time as the last. (The attachment and position readers.)
@inline(__always)
func nextTimedCSVRow(_ lines: LineReader, _ fields: FieldSplitter, needed: Int, columnCount: Int, timeColumn: Int,
                     lastTime: Int64, lastTimeLine: Int, skipped: inout Int, kind: String) throws -> Int64? {
    while let raw = try lines.nextLine() {
        let line = trimBlanks(raw)
        if line.count == 0 || line[0] == UInt8(ascii: "#") { skipped += 1; continue }
        if let problem = fields.splitCSV(line) { throw lines.error(problem) }
        guard fields.count >= needed else { throw lines.error("expected \(columnCount) fields, found \(fields.count)") }
        let timeField = fields[timeColumn]
        guard let t = parseTimestamp(timeField) else {
            throw lines.error("time '\(excerpt(timeField))' is neither seconds nor ISO 8601", column: timeColumn + 1)
        }
        guard t >= lastTime else {
            throw lines.error("time \(excerpt(timeField)) goes backwards (line \(lastTimeLine) had \(formatSeconds(lastTime)) s); "
                              + "\(kind) must be in time order", column: timeColumn + 1)
        }
        return t
    }
    return nil
}

/// A UTF-8 byte-order mark opens some CSV files written on Windows; it is not part of the
/// first column's name.
func stripBOM(_ line: UnsafeRawBufferPointer, lineNumber: Int) -> UnsafeRawBufferPointer {
    if lineNumber == 1 && line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
        return subslice(line, 3, line.count)
    }
    return line
}
