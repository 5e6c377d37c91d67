// Position CSV: `time,node,x,y[,z]` in metres or `time,node,lon,lat[,z]` in degrees, header
// required, any column order and case, extra columns ignored. This file owns reading it.
//
// Each row is a waypoint. Rows must be in global time order (non-decreasing over all nodes):
// that is what lets a 200 MB file stream into the attachment engine without sorting, and it
// is what `fmc trace convert --to positions` writes.

import FMCCore
import FMCIO

public final class PositionCSVReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.positions
    public let nodes = NodeTable()
    public let coordinates: Coordinates
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
    private var t = -1, n = -1, x = -1, y = -1, z = -1
    private var needed = 0
    @exclusivity(unchecked) private var lastTime = Int64.min
    @exclusivity(unchecked) private var lastTimeLine = 0

    /// Reads the header. Columns `x`/`y` are metres and `lon`/`lat` degrees; when a header has
    /// both pairs, `options.coordinates` picks one (metres by default). `options.coordinates`
    /// also overrides what the header says, reading x/y as lon/lat or the other way round.
    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        nodeNames = NodeInterner(nodes)
        var found = false
        while let raw = try lines.nextLine() {
            let line = trimBlanks(stripBOM(raw, lineNumber: lines.lineNumber))
            if line.count == 0 || line[0] == UInt8(ascii: "#") { skippedLines += 1; continue }
            if let problem = fields.splitCSV(line) { throw lines.error("header: \(problem)") }
            let header = fields
            columns = (0..<header.count).map { String(decoding: header[$0], as: UTF8.self).lowercased() }
            found = true
            break
        }
        guard found else {
            throw InputError(file: path, place: .line(max(1, lines.lineNumber), column: nil),
                             message: "no header line (time,node,x,y or time,node,lon,lat)")
        }
        var cx = -1, cy = -1, lon = -1, lat = -1
        for (i, c) in columns.enumerated() {
            switch c {
            case "time", "t", "timestamp": t = t == -1 ? i : -2
            case "node", "id": n = n == -1 ? i : -2
            case "x": cx = cx == -1 ? i : -2
            case "y": cy = cy == -1 ? i : -2
            case "z", "alt", "altitude": z = z == -1 ? i : -2
            case "lon", "longitude", "lng": lon = lon == -1 ? i : -2
            case "lat", "latitude": lat = lat == -1 ? i : -2
            default: break
            }
        }
        if [t, n, cx, cy, z, lon, lat].contains(-2) {
            throw lines.error("the header names a column twice: \(columns.joined(separator: ","))")
        }
        let hasXY = cx >= 0 && cy >= 0, hasGeo = lon >= 0 && lat >= 0
        guard t >= 0, n >= 0, hasXY || hasGeo else {
            throw lines.error("the header must name time, node and x, y (or lon, lat); found \(columns.joined(separator: ","))")
        }
        if hasXY && hasGeo {
            let geo = options.coordinates == .geographic
            (x, y) = geo ? (lon, lat) : (cx, cy)
            coordinates = geo ? .geographic : .cartesian
        } else if hasGeo {
            (x, y) = (lon, lat)
            coordinates = options.coordinates ?? .geographic
        } else {
            (x, y) = (cx, cy)
            coordinates = options.coordinates ?? .cartesian
        }
        needed = max(t, n, x, y, z) + 1
    }

    public func next() throws -> MobilityRecord? {
        while let time = try nextTimedCSVRow(lines, fields, needed: needed, columnCount: columns.count, timeColumn: t,
                                              lastTime: lastTime, lastTimeLine: lastTimeLine, skipped: &skippedLines,
                                              kind: "position CSV") {
            let geo = coordinates == .geographic
            let px = try value(x, geo ? "longitude" : "x")
            let py = try value(y, geo ? "latitude" : "y")
            let pz = z >= 0 && fields[z].count > 0 ? try value(z, "z") : 0
            if geo {
                guard abs(px) <= 180 else { throw lines.error("longitude \(px) is outside ±180 degrees", column: x + 1) }
                guard abs(py) <= 90 else { throw lines.error("latitude \(py) is outside ±90 degrees", column: y + 1) }
            }
            let name = fields[n]
            guard name.count > 0 else { throw lines.error("empty node", column: n + 1) }
            lastTime = time
            lastTimeLine = lines.lineNumber
            records += 1
            return .waypoint(node: nodeNames.node(name), timeNs: time, position: Position(x: px, y: py, z: pz))
        }
        return nil
    }

    @inline(__always)
    private func value(_ column: Int, _ what: String) throws -> Double {
        let f = fields[column]
        guard let v = decimalNumber(f) else {
            throw lines.error("\(what) '\(excerpt(f))' is not a number", column: column + 1)
        }
        return v
    }
}
