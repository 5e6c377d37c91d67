// BonnMotion `.movements` (or `.movements.gz`): one line per node, `t1 x1 y1 t2 x2 y2 …`
// (2-D) or `t x y z` quadruples (3-D), with the scenario's `.params` beside it (key=value).
// The dimension comes from the params (`J=3D`, or a `z` extent); without params it is
// inferred from the token count. Lines are per node, so records are in time order per node
// only (`timeOrdered` is false) and one line is held at a time.

import FMCCore
import FMCIO
import Foundation

public final class BonnMotionReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.bonnmotion
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = false
    public private(set) var records = 0
    public private(set) var skippedLines = 0
    /// The `.params` file's key=value pairs (empty when there is none).
    public private(set) var parameters: [String: String] = [:]
    /// 2 or 3, or nil until decided (from params or the first line).
    public private(set) var dimensions: Int?

    private let lines: LineReader
    private var pending: [MobilityRecord] = []
    private var cursor = 0
    private var nodeIndex = 0

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        lines = try LineReader(path: path)
        var base = path
        if base.hasSuffix(".gz") { base.removeLast(3) }
        if base.hasSuffix(".movements") { base.removeLast(".movements".count) }
        let paramsPath = base + ".params"
        if let text = try? String(contentsOfFile: paramsPath, encoding: .utf8) {
            for line in text.split(whereSeparator: \.isNewline) {
                let kv = line.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { parameters[kv[0].trimmingCharacters(in: .whitespaces)] = kv[1].trimmingCharacters(in: .whitespaces) }
            }
            if parameters["J"]?.uppercased() == "3D" || parameters["z"].flatMap(Double.init).map({ $0 > 0 }) == true {
                dimensions = 3
            } else if !parameters.isEmpty {
                dimensions = 2
            }
        }
    }

    public func next() throws -> MobilityRecord? {
        while cursor >= pending.count {
            pending.removeAll(keepingCapacity: true)
            cursor = 0
            guard let raw = try lines.nextString() else { return nil }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { skippedLines += 1; continue }
            var values: [Double] = []
            for (k, token) in line.split(whereSeparator: { $0 == " " || $0 == "\t" }).enumerated() {
                guard let v = Double(token), v.isFinite else { throw lines.error("'\(token)' (value \(k + 1)) is not a number") }
                values.append(v)
            }
            let dims: Int
            if let d = dimensions {
                dims = d
            } else {
                // No params: 3 values per waypoint unless only 4 divides the count.
                dims = values.count % 3 != 0 && values.count % 4 == 0 ? 3 : 2
                dimensions = dims
            }
            let width = dims + 1
            guard values.count % width == 0, !values.isEmpty else {
                throw lines.error("\(values.count) values do not form (t, x, y\(dims == 3 ? ", z" : "")) waypoints")
            }
            let node = nodes.intern(String(nodeIndex))
            nodeIndex += 1
            var last = -Double.infinity
            for w in stride(from: 0, to: values.count, by: width) {
                let t = values[w]
                guard t >= last else { throw lines.error("time \(t) goes backwards in waypoint \(w / width + 1) of node \(nodeIndex - 1)") }
                last = t
                guard let ns = nanoseconds(fromSeconds: t) else { throw lines.error("time \(t) is out of range") }
                pending.append(.waypoint(node: node, timeNs: ns,
                                         position: Position(x: values[w + 1], y: values[w + 2], z: dims == 3 ? values[w + 3] : 0)))
            }
            records += pending.count
        }
        defer { cursor += 1 }
        return pending[cursor]
    }
}
