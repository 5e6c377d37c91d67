// ns-2 movement files (CMU `setdest` scenarios): `$node_(i) set X_ x` (and Y_, Z_) give the
// initial position; `$ns_ at t "$node_(i) setdest x y speed"` starts a straight move at
// constant speed towards (x, y); a later setdest replaces an unfinished one from wherever the
// node is at that time; `$ns_ at t "$node_(i) set X_ x"` jumps. `$god_` lines and comments
// are skipped (and counted).
//
// Files may list events out of time order (CMU's scen-3-test does), so the whole file is read
// (these files are small), events are ordered per node (stable), and waypoints are emitted
// node by node: `timeOrdered` is false.

import FMCCore
import FMCIO

public final class NS2Reader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.ns2
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = false
    public private(set) var records = 0
    public private(set) var skippedLines = 0

    struct Event {
        var time: Double
        var line: Int
        var kind: Kind
        enum Kind {
            case setdest(x: Double, y: Double, speed: Double)
            case set(axis: Character, value: Double)
        }
    }

    private var pending: [MobilityRecord] = []
    private var cursor = 0

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        let lines = try LineReader(path: path)
        var initial: [Int: (x: Double?, y: Double?, z: Double?, line: Int)] = [:]
        var events: [Int: [Event]] = [:]
        var maxIndex = -1
        while let raw = try lines.nextString() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.contains("god_") {
                skippedLines += 1
                continue
            }
            let tokens = line.replacingOccurrences(of: "\"", with: " ").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            func node(_ token: String) throws -> Int {
                guard token.hasPrefix("$node_("), token.hasSuffix(")"),
                      let i = Int(token.dropFirst(7).dropLast()), i >= 0 else {
                    throw lines.error("expected $node_(i), found '\(token)'")
                }
                maxIndex = max(maxIndex, i)
                return i
            }
            func number(_ token: String, _ what: String) throws -> Double {
                guard let v = Double(token), v.isFinite else { throw lines.error("\(what) '\(token)' is not a number") }
                return v
            }
            if tokens.first == "$ns_" {
                guard tokens.count >= 4, tokens[1] == "at" else { throw lines.error("expected: $ns_ at TIME \"...\"") }
                let t = try number(tokens[2], "time")
                guard t >= 0 else { throw lines.error("time \(t) is negative") }
                let n = try node(tokens[3])
                if tokens.count >= 8, tokens[4] == "setdest" {
                    let x = try number(tokens[5], "x"), y = try number(tokens[6], "y"), s = try number(tokens[7], "speed")
                    guard s >= 0 else { throw lines.error("speed \(s) is negative") }
                    events[n, default: []].append(Event(time: t, line: lines.lineNumber, kind: .setdest(x: x, y: y, speed: s)))
                } else if tokens.count >= 7, tokens[4] == "set", ["X_", "Y_", "Z_"].contains(tokens[5]) {
                    events[n, default: []].append(Event(time: t, line: lines.lineNumber,
                                                        kind: .set(axis: tokens[5].first!, value: try number(tokens[6], tokens[5]))))
                } else {
                    throw lines.error("unknown ns-2 command: \(tokens.dropFirst(4).joined(separator: " "))")
                }
                records += 1
            } else if tokens.count == 4, tokens[1] == "set", ["X_", "Y_", "Z_"].contains(tokens[2]) {
                let n = try node(tokens[0])
                let v = try number(tokens[3], tokens[2])
                var p = initial[n] ?? (nil, nil, nil, lines.lineNumber)
                switch tokens[2] {
                case "X_": p.x = v
                case "Y_": p.y = v
                default: p.z = v
                }
                initial[n] = p
                records += 1
            } else {
                throw lines.error("not an ns-2 movement line: \(line.prefix(60))")
            }
        }
        // Nodes in index order; each node's waypoints in time order.
        for n in 0...max(maxIndex, -1) where maxIndex >= 0 {
            guard initial[n] != nil || events[n] != nil else { continue }
            let id = nodes.intern(String(n))
            guard let start = initial[n], let x0 = start.x, let y0 = start.y else {
                let at = events[n]?.first?.line ?? lines.lineNumber
                throw InputError(file: path, place: .line(at, column: nil), message: "node \(n) moves but has no initial X_ and Y_")
            }
            pending += waypoints(id, Position(x: x0, y: y0, z: start.z ?? 0), events[n] ?? [])
        }
    }

    func waypoints(_ node: Int, _ start: Position, _ list: [Event]) -> [MobilityRecord] {
        let events = list.enumerated().sorted { $0.element.time < $1.element.time || ($0.element.time == $1.element.time && $0.offset < $1.offset) }.map(\.element)
        var out: [MobilityRecord] = [.waypoint(node: node, timeNs: 0, position: start)]
        var from = start, fromTime = 0.0
        var dest: Position?
        var arrival = 0.0
        func at(_ t: Double) -> Position {
            guard let d = dest, t < arrival, arrival > fromTime else { return dest ?? from }
            let f = (t - fromTime) / (arrival - fromTime)
            return Position(x: from.x + (d.x - from.x) * f, y: from.y + (d.y - from.y) * f, z: from.z)
        }
        func ns(_ s: Double) -> Int64 { nanoseconds(fromSeconds: s) ?? 0 }
        for e in events {
            if let d = dest, e.time >= arrival {
                out.append(.waypoint(node: node, timeNs: ns(arrival), position: d))
                from = d
                fromTime = arrival
                dest = nil
            }
            let p = at(e.time)
            dest = nil
            from = p
            fromTime = e.time
            switch e.kind {
            case let .setdest(x, y, speed):
                out.append(.waypoint(node: node, timeNs: ns(e.time), position: p))
                let target = Position(x: x, y: y, z: p.z)
                let dist = ((x - p.x) * (x - p.x) + (y - p.y) * (y - p.y)).squareRoot()
                if speed > 0 && dist > 0 {
                    dest = target
                    arrival = e.time + dist / speed
                }
            case let .set(axis, value):
                var q = p
                switch axis {
                case "X": q.x = value
                case "Y": q.y = value
                default: q.z = value
                }
                out.append(.waypoint(node: node, timeNs: ns(e.time), position: p))
                out.append(.waypoint(node: node, timeNs: ns(e.time), position: q))
                from = q
            }
        }
        if let d = dest { out.append(.waypoint(node: node, timeNs: ns(arrival), position: d)) }
        return out
    }

    public func next() throws -> MobilityRecord? {
        guard cursor < pending.count else { return nil }
        defer { cursor += 1 }
        return pending[cursor]
    }
}
