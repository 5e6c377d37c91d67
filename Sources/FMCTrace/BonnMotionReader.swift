// BonnMotion's native scenario files: `NAME.movements` (or `NAME.movements.gz`, as BonnMotion
// writes it) with `NAME.params` beside it. This file owns reading both.
//
// `.movements`: one line per node, node i on the i-th data line, `t1 x1 y1 t2 x2 y2 …` (2-D)
// or `t x y z` quadruples (3-D); the node is at (x, y[, z]) at time t and moves straight and
// at constant speed between waypoints. Lines starting with `#` are comments; BonnMotion 3
// writes `#3D` as the first line of a 3-D file. The DisasterArea model writes one value per
// line with a status after each waypoint, a node starting at each waypoint with time 0.
//
// `.params`: `key=value` lines. BonnMotion writes `J=2D` or `J=3D` (the output dimension)
// and `z=` only for 3-D calculations; when J is absent, a `z` means 3-D output (as BonnMotion
// reads it back). Without a params file the dimension comes from the `#3D` marker or, failing
// that, is inferred from the first line's value count (see `dimensionSource`).
//
// Records are in time order per node only (`timeOrdered` is false); one node is held at a time.

import FMCCore
import FMCIO
import Foundation

public final class BonnMotionReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.bonnmotion
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = false
    // Counters and per-line state are touched once per record by this reader alone: no
    // dynamic exclusivity checks (they cost as much as parsing a field).
    @exclusivity(unchecked) public private(set) var records = 0
    @exclusivity(unchecked) public private(set) var skippedLines = 0
    /// The `.params` file's key=value pairs (empty when there is none).
    public private(set) var parameters: [String: String] = [:]
    /// The `.params` file read, or nil when there is none.
    public private(set) var parametersPath: String?
    /// 2 or 3; nil until decided (from the params at once, else at the first data line).
    public private(set) var dimensions: Int?
    /// How `dimensions` was decided, in words, for `fmc inspect` and error messages; says
    /// "inferred" when it was a guess from the value count.
    public private(set) var dimensionSource = "not decided yet"

    private let lines: LineReader
    private let fields = FieldSplitter()
    @exclusivity(unchecked) private var pending: [MobilityRecord] = []
    @exclusivity(unchecked) private var cursor = 0
    @exclusivity(unchecked) private var nodeIndex = 0
    @exclusivity(unchecked) private var sawData = false
    /// DisasterArea: values flow across lines, (t, x, y[, z], status) per waypoint.
    private let disasterArea: Bool
    @exclusivity(unchecked) private var carry: [Double] = []
    @exclusivity(unchecked) private var carryLine = 0
    @exclusivity(unchecked) private var currentNode = -1
    @exclusivity(unchecked) private var lastTime = -Double.infinity

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        var base = path
        if base.hasSuffix(".gz") { base.removeLast(3) }
        if base.hasSuffix(".movements") { base.removeLast(".movements".count) }
        let paramsPath = base + ".params"
        if paramsPath != path, FileManager.default.fileExists(atPath: paramsPath) {
            parametersPath = paramsPath
            parameters = try Self.readParameters(paramsPath)
        }
        disasterArea = parameters["model"] == "DisasterArea"
        if let j = parameters["J"] {
            switch j.uppercased() {
            case "2D": dimensions = 2
            case "3D": dimensions = 3
            default:
                throw InputError(file: paramsPath, place: .key("J", line: nil), message: "J must be 2D or 3D, not '\(j)'")
            }
            dimensionSource = "J=\(j) in \(paramsPath)"
        } else if parameters["z"] != nil {
            dimensions = 3
            dimensionSource = "z= in \(paramsPath) (BonnMotion writes 3-D output when a depth is given)"
        } else if parametersPath != nil {
            dimensions = 2
            dimensionSource = "\(paramsPath) names neither J nor z (2-D)"
        }
    }

    private static func readParameters(_ file: String) throws -> [String: String] {
        var parameters: [String: String] = [:]
        let params = try LineReader(path: file)
        while let raw = try params.nextLine() {
            let line = trimBlanks(raw)
            if line.count == 0 || line[0] == UInt8(ascii: "#") { continue }
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else {
                throw params.error("expected key=value, found '\(excerpt(line))'")
            }
            let key = String(decoding: trimBlanks(subslice(line, 0, eq)), as: UTF8.self)
            guard !key.isEmpty else { throw params.error("a value without a key") }
            parameters[key] = String(decoding: trimBlanks(subslice(line, eq + 1, line.count)), as: UTF8.self)
        }
        return parameters
    }

    public func next() throws -> MobilityRecord? {
        while cursor >= pending.count {
            pending.removeAll(keepingCapacity: true)
            cursor = 0
            guard let raw = try lines.nextLine() else {
                if disasterArea && !carry.isEmpty {
                    throw InputError(file: path, place: .line(carryLine, column: nil),
                                     message: "the file ends inside a waypoint (\(carry.count) of \(width) values)")
                }
                return nil
            }
            let line = trimBlanks(raw)
            if line.count == 0 { skippedLines += 1; continue }
            if line[0] == UInt8(ascii: "#") {
                skippedLines += 1
                if !sawData && equalsIgnoringCase(trimBlanks(subslice(line, 1, line.count)), "3d") {
                    if dimensions == 2 {
                        throw lines.error("the file says #3D but \(dimensionSource)")
                    }
                    if dimensions == nil { dimensionSource = "the #3D line of \(path)" }
                    dimensions = 3
                }
                continue
            }
            fields.splitWhitespace(line)
            if dimensions == nil { try inferDimensions() }
            sawData = true
            if disasterArea { try disasterLine() } else { try nodeLine() }
        }
        defer { cursor += 1 }
        return pending[cursor]
    }

    /// Values per waypoint: t, x, y[, z] (and DisasterArea's status).
    private var width: Int { (dimensions ?? 2) + 1 + (disasterArea ? 1 : 0) }

    /// No params and no #3D: 3 values per waypoint or 4, from the first line's count; when
    /// both divide it, the reading whose times never go back wins, 2-D on a tie.
    private func inferDimensions() throws {
        // (DisasterArea is known only from a params file, which always decides the dimension.)
        let n = fields.count
        let by2 = n % 3 == 0, by3 = n % 4 == 0
        func ordered(_ w: Int) -> Bool {
            var last = -Double.infinity
            for k in stride(from: 0, to: n, by: w) {
                guard let t = decimalNumber(fields[k]), t >= last else { return false }
                last = t
            }
            return true
        }
        switch (by2, by3) {
        case (true, false): dimensions = 2
        case (false, true): dimensions = 3
        case (true, true): dimensions = ordered(3) || !ordered(4) ? 2 : 3
        case (false, false):
            throw lines.error("\(n) values form neither (t, x, y) nor (t, x, y, z) waypoints, and no .params says which")
        }
        dimensionSource = "inferred from the \(n) values of line \(lines.lineNumber) (no .params, no #3D line): \(dimensions!)-D"
    }

    /// One node: all its waypoints on this line.
    private func nodeLine() throws {
        let w = width
        let d = dimensions ?? 2
        guard fields.count % w == 0 else {
            throw lines.error("\(fields.count) values do not form (t, x, y\(d == 3 ? ", z" : "")) waypoints (\(dimensionSource))")
        }
        let node = nodes.intern(String(nodeIndex))
        nodeIndex += 1
        var last = -Double.infinity
        var k = 0
        while k < fields.count {
            let t = try value(k, "time")
            guard t >= last else {
                throw lines.error("time \(t) goes backwards in waypoint \(k / w + 1) of node \(node) (previous \(last))", column: nil)
            }
            last = t
            guard let ns = nanoseconds(fromSeconds: t) else { throw lines.error("time \(t) is out of range") }
            let x = try value(k + 1, "x"), y = try value(k + 2, "y")
            let z = d == 3 ? try value(k + 3, "z") : 0
            pending.append(.waypoint(node: node, timeNs: ns, position: Position(x: x, y: y, z: z)))
            k += w
        }
        records += pending.count
    }

    /// DisasterArea: values accumulate across lines; each full waypoint is emitted, and time 0
    /// starts the next node.
    private func disasterLine() throws {
        if carry.isEmpty { carryLine = lines.lineNumber }
        let d = dimensions ?? 2
        for k in 0..<fields.count {
            carry.append(try value(k, "value"))
            guard carry.count == width else { continue }
            let t = carry[0]
            if t == 0 || currentNode < 0 {
                currentNode = nodes.intern(String(nodeIndex))
                nodeIndex += 1
                lastTime = -Double.infinity
            }
            guard t >= lastTime else { throw lines.error("time \(t) goes backwards for node \(currentNode)") }
            lastTime = t
            guard let ns = nanoseconds(fromSeconds: t) else { throw lines.error("time \(t) is out of range") }
            pending.append(.waypoint(node: currentNode, timeNs: ns,
                                     position: Position(x: carry[1], y: carry[2], z: d == 3 ? carry[3] : 0)))
            records += 1
            carry.removeAll(keepingCapacity: true)
            carryLine = lines.lineNumber
        }
    }

    @inline(__always)
    private func value(_ k: Int, _ what: String) throws -> Double {
        guard let v = decimalNumber(fields[k]) else {
            throw lines.error("\(what) '\(excerpt(fields[k]))' (value \(k + 1)) is not a number")
        }
        return v
    }
}
