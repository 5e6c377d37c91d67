// The ONE simulator's external movement format (ExternalMovement model): a first line
// `minTime maxTime minX maxX minY maxY` (ONE also accepts `minZ maxZ` after them), then
// `time id x y` lines sorted by time. Comment (`#`) and blank lines are skipped, as ONE
// does. This file owns reading it.
//
// Coordinates and times are kept as written: ONE subtracts minTime/minX/minY when it loads a
// file, but fmc's scenarios place access points in the trace's own coordinates.

import FMCCore
import FMCIO

public final class ONEReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.one
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    /// ONE requires time order; a line going back in time is an error.
    public let timeOrdered = true
    // Counters and per-line state are touched once per record by this reader alone: no
    // dynamic exclusivity checks (they cost as much as parsing a field).
    @exclusivity(unchecked) public private(set) var records = 0
    @exclusivity(unchecked) public private(set) var skippedLines = 0
    /// The header's world: minTime maxTime minX maxX minY maxY (and minZ maxZ if given).
    public private(set) var bounds: [Double] = []

    private let lines: LineReader
    private let fields = FieldSplitter()
    private let nodeNames: NodeInterner
    @exclusivity(unchecked) private var lastTime = Int64.min
    @exclusivity(unchecked) private var lastTimeLine = 0

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        nodeNames = NodeInterner(nodes)
        while let raw = try lines.nextLine() {
            let line = trimBlanks(raw)
            if line.count == 0 || line[0] == UInt8(ascii: "#") { skippedLines += 1; continue }
            fields.splitWhitespace(line)
            let values = (0..<fields.count).compactMap { decimalNumber(fields[$0]) }
            guard values.count == fields.count, values.count == 6 || values.count == 8 else {
                throw lines.error("the first line must be: minTime maxTime minX maxX minY maxY [minZ maxZ]; found '\(excerpt(line))'")
            }
            for k in stride(from: 0, to: values.count, by: 2) where values[k] > values[k + 1] {
                let names = ["minTime", "minX", "minY", "minZ"]
                throw lines.error("the header's \(names[k / 2]) \(values[k]) is above its maximum \(values[k + 1])")
            }
            bounds = values
            return
        }
        throw InputError(file: path, place: .line(max(1, lines.lineNumber), column: nil),
                         message: "empty ONE movement file: no header line (minTime maxTime minX maxX minY maxY)")
    }

    public func next() throws -> MobilityRecord? {
        while let raw = try lines.nextLine() {
            let line = trimBlanks(raw)
            if line.count == 0 || line[0] == UInt8(ascii: "#") { skippedLines += 1; continue }
            fields.splitWhitespace(line)
            // ONE reads the first four fields of a line and ignores the rest.
            guard fields.count >= 4 else { throw lines.error("expected 'time id x y', found \(fields.count) fields") }
            let tf = fields[0]
            guard let time = secondsExact(tf) ?? decimalNumber(tf).flatMap({ nanoseconds(fromSeconds: $0) }) else {
                throw lines.error("time '\(excerpt(tf))' is not a number", column: 1)
            }
            guard time >= lastTime else {
                throw lines.error("time \(excerpt(tf)) goes backwards (line \(lastTimeLine) had \(formatSeconds(lastTime)) s); "
                                  + "ONE movement files must be sorted by time", column: 1)
            }
            guard let x = decimalNumber(fields[2]) else { throw lines.error("x '\(excerpt(fields[2]))' is not a number", column: 3) }
            guard let y = decimalNumber(fields[3]) else { throw lines.error("y '\(excerpt(fields[3]))' is not a number", column: 4) }
            lastTime = time
            lastTimeLine = lines.lineNumber
            records += 1
            return .waypoint(node: nodeNames.node(fields[1]), timeNs: time, position: Position(x: x, y: y))
        }
        return nil
    }
}
