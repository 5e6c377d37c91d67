// ns-2 movement files (CMU `setdest` scenarios, SUMO's traceExporter, BonnMotion's NSFile).
// This file owns reading them and turning their commands into waypoints.
//
//   $node_(i) set X_ x                          initial position (Y_, Z_ alike)
//   $ns_ at t "$node_(i) setdest x y speed"     from time t, move straight towards (x, y)
//   $ns_ at t "$node_(i) set X_ x"              at time t, jump (and stop)
//
// A setdest moves at constant speed until arrival; a later setdest replaces an unfinished one
// from wherever the node is at that time; speed 0 keeps the node where it is. Z_ is kept as
// the node's height but plays no part in movement (ns-2 moves nodes in the plane).
// `$god_` lines (and `$ns_ at t "$god_ …"`), comments and blank lines are skipped and counted.
//
// Files may list events out of time order (CMU's scen-3-test does), so the whole file is read
// (these files are small), each node's events are ordered by time (stably, so two commands at
// the same time keep their file order), and waypoints are emitted node by node, nodes in index
// order: `timeOrdered` is false.
//
// Bad input is an InputError naming the line. The waypoints built from the lines before it
// are still returned first, and the error is thrown after them.

import FMCCore
import FMCIO

public final class NS2Reader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.ns2
    public let nodes = NodeTable()
    public let coordinates = Coordinates.cartesian
    public let timeOrdered = false
    // Counters and per-line state are touched once per record by this reader alone: no
    // dynamic exclusivity checks (they cost as much as parsing a field).
    @exclusivity(unchecked) public private(set) var records = 0
    @exclusivity(unchecked) public private(set) var skippedLines = 0

    struct Event {
        var time: Double
        var line: Int
        var kind: Kind
        enum Kind {
            case setdest(x: Double, y: Double, speed: Double)
            /// axis 0 = X_, 1 = Y_, 2 = Z_.
            case jump(axis: Int, value: Double)
        }
    }

    struct NodeInput {
        var x: Double?, y: Double?, z: Double?
        var firstLine: Int
        var events: [Event] = []
    }

    @exclusivity(unchecked) private var pending: [MobilityRecord] = []
    @exclusivity(unchecked) private var cursor = 0
    /// The error that stopped reading, thrown once the records before it are out.
    private var deferred: Error?

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        let lines = try LineReader(path: path)
        var input: [Int: NodeInput] = [:]
        let fields = FieldSplitter()
        let command = FieldSplitter()
        do {
            while let raw = try lines.nextLine() {
                try parse(trimBlanks(raw), lines, fields, command, &input)
            }
        } catch {
            deferred = error
        }
        for n in input.keys.sorted() {
            let node = input[n]!
            guard let x0 = node.x, let y0 = node.y else {
                // After a read error the position may be on a line never reached: leave the
                // node out and report the read error instead.
                if deferred != nil { continue }
                let missing = [node.x == nil ? "X_" : nil, node.y == nil ? "Y_" : nil].compactMap { $0 }.joined(separator: " and ")
                deferred = InputError(file: path, place: .line(node.events.first?.line ?? node.firstLine, column: nil),
                                      message: "node \(n) has no initial \(missing) (no $node_(\(n)) set … line)")
                break
            }
            let id = nodes.intern(String(n))
            do {
                try waypoints(id, Position(x: x0, y: y0, z: node.z ?? 0), node.events)
            } catch {
                deferred = error
                break
            }
        }
    }

    public func next() throws -> MobilityRecord? {
        guard cursor < pending.count else {
            if let e = deferred {
                deferred = nil
                throw e
            }
            return nil
        }
        defer { cursor += 1 }
        return pending[cursor]
    }

    // MARK: - Lines

    private func parse(_ line: UnsafeRawBufferPointer, _ lines: LineReader, _ fields: FieldSplitter, _ command: FieldSplitter,
                       _ input: inout [Int: NodeInput]) throws {
        if line.count == 0 || line[0] == UInt8(ascii: "#") { skippedLines += 1; return }
        fields.splitWhitespace(line)
        let first = fields[0]
        if bytesHavePrefix(first, "$god_") || (bytesEqual(first, "set") && fields.count >= 2 && bytesEqual(fields[1], "god_")) {
            skippedLines += 1
            return
        }
        if bytesEqual(first, "$ns_") {
            // $ns_ at TIME "COMMAND" (or {COMMAND}): the command must be closed, and last.
            guard let open = line.firstIndex(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "{") }) else {
                throw lines.error("expected: $ns_ at TIME \"$node_(i) …\"; found '\(excerpt(line))'")
            }
            let closer = line[open] == UInt8(ascii: "\"") ? UInt8(ascii: "\"") : UInt8(ascii: "}")
            guard let close = line.lastIndex(of: closer), close > open else {
                throw lines.error("unterminated command: no closing \(closer == 34 ? "quote" : "brace") after column \(open + 1)",
                                  column: open + 1)
            }
            guard trimBlanks(subslice(line, close + 1, line.count)).count == 0 else {
                throw lines.error("text after the closing \(closer == 34 ? "quote" : "brace")", column: close + 2)
            }
            let body = subslice(line, open + 1, close)
            if closer == 34, body.contains(34) { throw lines.error("a quote inside the command", column: open + 2) }
            fields.splitWhitespace(subslice(line, 0, open))
            guard fields.count == 3, bytesEqual(fields[0], "$ns_"), bytesEqual(fields[1], "at") else {
                throw lines.error("expected: $ns_ at TIME \"…\"; found '\(excerpt(line))'")
            }
            guard let t = decimalNumber(fields[2]) else { throw lines.error("time '\(excerpt(fields[2]))' is not a number") }
            guard t >= 0 else { throw lines.error("time \(t) is negative") }
            guard nanoseconds(fromSeconds: t) != nil else { throw lines.error("time \(t) is out of range") }
            command.splitWhitespace(body)
            guard command.count > 0 else { throw lines.error("empty command") }
            if bytesHavePrefix(command[0], "$god_") { skippedLines += 1; return }
            let n = try nodeIndex(command[0], lines)
            let event: Event.Kind
            if command.count >= 2 && bytesEqual(command[1], "setdest") {
                guard command.count == 5 else {
                    throw lines.error("expected: $node_(i) setdest X Y SPEED; found \(command.count - 2) values")
                }
                let x = try value(command[2], "x", lines), y = try value(command[3], "y", lines)
                let s = try value(command[4], "speed", lines)
                guard s >= 0 else { throw lines.error("speed \(s) is negative") }
                event = .setdest(x: x, y: y, speed: s)
            } else if command.count == 4, bytesEqual(command[1], "set"), let axis = axisIndex(command[2]) {
                event = .jump(axis: axis, value: try value(command[3], String(decoding: command[2], as: UTF8.self), lines))
            } else {
                throw lines.error("unknown ns-2 command: \(excerpt(body))")
            }
            input[n, default: NodeInput(firstLine: lines.lineNumber)].events.append(Event(time: t, line: lines.lineNumber, kind: event))
            records += 1
            return
        }
        if bytesHavePrefix(first, "$node_(") {
            let n = try nodeIndex(first, lines)
            guard fields.count == 4, bytesEqual(fields[1], "set"), let axis = axisIndex(fields[2]) else {
                throw lines.error("expected: $node_(i) set X_|Y_|Z_ VALUE; found '\(excerpt(line))'")
            }
            let v = try value(fields[3], String(decoding: fields[2], as: UTF8.self), lines)
            var node = input[n] ?? NodeInput(firstLine: lines.lineNumber)
            switch axis {
            case 0: node.x = v
            case 1: node.y = v
            default: node.z = v
            }
            input[n] = node
            records += 1
            return
        }
        throw lines.error("not an ns-2 movement line: '\(excerpt(line))'")
    }

    /// "$node_(12)" → 12.
    private func nodeIndex(_ token: UnsafeRawBufferPointer, _ lines: LineReader) throws -> Int {
        let prefix = 7  // "$node_("
        guard bytesHavePrefix(token, "$node_("), token.count > prefix + 1, token[token.count - 1] == UInt8(ascii: ")") else {
            throw lines.error("expected $node_(i), found '\(excerpt(token))'")
        }
        var n = 0
        for k in prefix..<(token.count - 1) {
            let c = token[k]
            guard c >= 48 && c <= 57, n < 100_000_000 else { throw lines.error("expected $node_(i), found '\(excerpt(token))'") }
            n = n * 10 + Int(c - 48)
        }
        return n
    }

    private func axisIndex(_ token: UnsafeRawBufferPointer) -> Int? {
        if bytesEqual(token, "X_") { return 0 }
        if bytesEqual(token, "Y_") { return 1 }
        if bytesEqual(token, "Z_") { return 2 }
        return nil
    }

    private func value(_ token: UnsafeRawBufferPointer, _ what: String, _ lines: LineReader) throws -> Double {
        guard let v = decimalNumber(token) else { throw lines.error("\(what) '\(excerpt(token))' is not a number") }
        return v
    }

    // MARK: - Waypoints

    /// One node's waypoints: its start at time 0, then for each command the points where its
    /// straight-line motion changes (a leg starts, arrives, is cut short, or the node jumps).
    /// A waypoint equal in time and place to the one before it is not repeated.
    private func waypoints(_ node: Int, _ start: Position, _ list: [Event]) throws {
        let events = list.enumerated().sorted {
            $0.element.time < $1.element.time || ($0.element.time == $1.element.time && $0.offset < $1.offset)
        }.map(\.element)
        var lastNs: Int64 = 0
        var last = start
        pending.append(.waypoint(node: node, timeNs: 0, position: start))
        func emit(_ t: Double, _ p: Position, line: Int) throws {
            guard let ns = nanoseconds(fromSeconds: t) else {
                throw InputError(file: path, place: .line(line, column: nil), message: "node \(nodes.names[node]) reaches a time out of range (\(t) s)")
            }
            if ns == lastNs && p == last { return }
            pending.append(.waypoint(node: node, timeNs: ns, position: p))
            lastNs = ns
            last = p
        }
        var here = start          // where the node is (at rest), or where its leg started
        var legStart = 0.0
        var destination: Position?
        var arrival = 0.0
        var legLine = 0
        for e in events {
            if let d = destination, e.time >= arrival {
                try emit(arrival, d, line: legLine)
                here = d
                destination = nil
            }
            var now = here
            if let d = destination {
                let f = (e.time - legStart) / (arrival - legStart)
                now = Position(x: here.x + (d.x - here.x) * f, y: here.y + (d.y - here.y) * f, z: here.z)
            }
            let moving = destination != nil
            switch e.kind {
            case let .setdest(x, y, speed):
                let dx = x - now.x, dy = y - now.y
                let distance = (dx * dx + dy * dy).squareRoot()
                let moves = speed > 0 && distance > 0
                // A cut leg ends here; a new leg starts here.
                if moving || moves { try emit(e.time, now, line: e.line) }
                here = now
                destination = nil
                if moves {
                    destination = Position(x: x, y: y, z: now.z)
                    legStart = e.time
                    arrival = e.time + distance / speed
                    legLine = e.line
                }
            case let .jump(axis, value):
                try emit(e.time, now, line: e.line)
                var to = now
                switch axis {
                case 0: to.x = value
                case 1: to.y = value
                default: to.z = value
                }
                try emit(e.time, to, line: e.line)
                here = to
                destination = nil
            }
        }
        if let d = destination { try emit(arrival, d, line: legLine) }
    }
}
