// Position CSV: `time,node,x,y[,z]` in metres or `time,node,lon,lat` in degrees (header
// required, any column order), and the ONE simulator's external movement format (a header
// line `minTime maxTime minX maxX minY maxY`, then `time id x y` lines). Both are read in
// global time order, so they stream.

import FMCCore
import FMCIO

public final class PositionCSVReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.positions
    public let nodes = NodeTable()
    public let coordinates: Coordinates
    public let timeOrdered = true
    public private(set) var records = 0
    public private(set) var skippedLines = 0

    private let lines: LineReader
    private var t = -1, n = -1, x = -1, y = -1, z = -1
    private var columns = 0
    private var lastTime = Int64.min

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        var header: [String]?
        while let h = try lines.nextString() {
            let s = h.trimmingCharacters(in: .whitespaces)
            if s.isEmpty || s.hasPrefix("#") { skippedLines += 1; continue }
            header = splitCSV(Substring(s)).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            break
        }
        guard let header else { throw InputError(file: path, place: .line(1, column: nil), message: "no header line (time,node,x,y or time,node,lon,lat)") }
        columns = header.count
        var geo = false
        for (i, c) in header.enumerated() {
            switch c {
            case "time", "t": t = i
            case "node", "id": n = i
            case "x": x = i
            case "y": y = i
            case "z": z = i
            case "lon", "longitude": x = i; geo = true
            case "lat", "latitude": y = i; geo = true
            default: break
            }
        }
        guard t >= 0, n >= 0, x >= 0, y >= 0 else {
            throw lines.error("the header must name time, node and x, y (or lon, lat)")
        }
        coordinates = options.coordinates ?? (geo ? .geographic : .cartesian)
    }

    public func next() throws -> MobilityRecord? {
        while let raw = try lines.nextString() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { skippedLines += 1; continue }
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count > max(t, n, x, y, z) else { throw lines.error("expected \(columns) fields, found \(f.count)") }
            let timeText = f[t].trimmingCharacters(in: .whitespaces)
            guard let time = parseSecondsExact(timeText) ?? parseISO8601(timeText) else {
                throw lines.error("time '\(timeText)' is not a number of seconds", column: t + 1)
            }
            guard time >= lastTime else { throw lines.error("time \(timeText) goes backwards", column: t + 1) }
            lastTime = time
            func number(_ c: Int, _ what: String) throws -> Double {
                guard let v = Double(f[c].trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw lines.error("\(what) '\(f[c])' is not a number", column: c + 1)
                }
                return v
            }
            let px = try number(x, coordinates == .geographic ? "longitude" : "x")
            let py = try number(y, coordinates == .geographic ? "latitude" : "y")
            let pz = z >= 0 ? try number(z, "z") : 0
            if coordinates == .geographic {
                guard abs(px) <= 180 else { throw lines.error("longitude \(px) is outside ±180", column: x + 1) }
                guard abs(py) <= 90 else { throw lines.error("latitude \(py) is outside ±90", column: y + 1) }
            }
            let name = f[n].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw lines.error("empty node", column: n + 1) }
            records += 1
            return .waypoint(node: nodes.intern(name), timeNs: time, position: Position(x: px, y: py, z: pz))
        }
        return nil
    }
}

public final class ONEReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.one
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = true
    public private(set) var records = 0
    public private(set) var skippedLines = 0
    /// The header's world: minTime maxTime minX maxX minY maxY.
    public private(set) var bounds: [Double] = []

    private let lines: LineReader
    private var lastTime = Int64.min

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        while let h = try lines.nextString() {
            let s = h.trimmingCharacters(in: .whitespaces)
            if s.isEmpty || s.hasPrefix("#") { skippedLines += 1; continue }
            let f = s.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }
            guard f.count == 6 else { throw lines.error("the first line must be: minTime maxTime minX maxX minY maxY") }
            bounds = f
            return
        }
        throw InputError(file: path, place: .line(1, column: nil), message: "empty ONE movement file")
    }

    public func next() throws -> MobilityRecord? {
        while let raw = try lines.nextString() {
            let s = raw.trimmingCharacters(in: .whitespaces)
            if s.isEmpty || s.hasPrefix("#") { skippedLines += 1; continue }
            let f = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 4 else { throw lines.error("expected 'time id x y', found \(f.count) fields") }
            guard let time = parseSecondsExact(f[0]) ?? Double(f[0]).flatMap({ nanoseconds(fromSeconds: $0) }) else {
                throw lines.error("time '\(f[0])' is not a number", column: 1)
            }
            guard time >= lastTime else { throw lines.error("time \(f[0]) goes backwards", column: 1) }
            lastTime = time
            guard let x = Double(f[2]), x.isFinite else { throw lines.error("x '\(f[2])' is not a number", column: 3) }
            guard let y = Double(f[3]), y.isFinite else { throw lines.error("y '\(f[3])' is not a number", column: 4) }
            records += 1
            return .waypoint(node: nodes.intern(String(f[1])), timeNs: time, position: Position(x: x, y: y))
        }
        return nil
    }
}
