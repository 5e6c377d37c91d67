// SUMO floating-car data (`sumo --fcd-output`), streamed: `<timestep time="…">` elements
// holding `<vehicle id x y …/>`, `<person …/>` and `<container …/>`. Multi-gigabyte files
// are never loaded: a byte scanner walks the read buffer, parses only the attributes fmc
// needs (id, x, y, z, or lon/lat) and interns ids once.
//
// A node present in one timestep and absent from the next has left the simulation: it
// vanishes at the time of the first timestep it is missing from (staying at its last
// position until then), which keeps the stream in time order. Persons and containers are nodes too, named
// "person:ID" and "container:ID" so they cannot clash with vehicle ids.

import FMCCore
import FMCIO

public final class SUMOFCDReader: MobilityReader {
    public let path: String
    public let format = MobilityFormat.sumo
    public let nodes = NodeTable()
    public private(set) var coordinates: Coordinates
    public let timeOrdered = true
    public private(set) var records = 0
    public private(set) var skippedLines = 0

    private let stream: LayeredStream
    private let reader: ByteReader
    private var line = 1
    private var pending: [MobilityRecord] = []
    private var pendingIndex = 0
    private var stepTime: Int64?
    private var lastStepTime = Int64.min
    private var lastSeen: [Int64] = []  // per node: time last seen, .min = not present
    private var present: [Int] = []     // nodes seen in the current step
    private var previous: [Int] = []    // nodes seen in the previous step
    private var seenInStep: [Int] = []  // per node: step counter when last seen
    private var step = 0
    private var rootOpen = false
    private var rootLine = 0
    private var ended = false
    private var ids: [Int: [(bytes: [UInt8], node: Int)]] = [:]
    private let forced: Coordinates?

    public init(path: String, options: MobilityOptions = MobilityOptions()) throws {
        self.path = path
        stream = try LayeredStream(path: path)
        reader = stream.reader
        forced = options.coordinates
        coordinates = options.coordinates ?? .cartesian
    }

    public func next() throws -> MobilityRecord? {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            if ended { return nil }
            try scan()
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    private func error(_ message: String, at l: Int? = nil) -> InputError {
        InputError(file: path, place: .line(l ?? line, column: nil), message: message)
    }

    /// Counts newlines in bytes about to be consumed.
    @inline(__always)
    private func consume(_ n: Int) {
        let p = reader.pointer.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i < n {
            if p[i] == 10 { line += 1 }
            i += 1
        }
        reader.skip(n)
    }

    /// Finds `byte` at or after offset `from` of the window, reading more as needed.
    private func find(_ byte: UInt8, from: Int) throws -> Int? {
        var start = from
        while true {
            let avail = reader.available
            if avail > start {
                let p = reader.pointer.assumingMemoryBound(to: UInt8.self)
                var i = start
                while i < avail {
                    if p[i] == byte { return i }
                    i += 1
                }
                start = avail
            }
            if start > 64 << 20 { throw error("an XML construct longer than 64 MiB") }
            guard try stream.guarded({ try self.reader.ensure(start + 1) }) else { return nil }
        }
    }

    /// Reads until at least one record is pending or the document ends.
    private func scan() throws {
        while pending.isEmpty {
            // Text between tags.
            guard let lt = try find(UInt8(ascii: "<"), from: 0) else {
                consume(reader.available)
                if rootOpen { throw error("unterminated XML: the file ends before </fcd-export> (opened on line \(rootLine))") }
                if step == 0 && rootLine == 0 { throw error("no <fcd-export> element: not a SUMO FCD file", at: 1) }
                ended = true
                endStep()
                return
            }
            consume(lt)
            guard try stream.guarded({ try self.reader.ensure(4) }) else {
                throw error("unterminated XML: the file ends inside a tag")
            }
            let p = reader.pointer.assumingMemoryBound(to: UInt8.self)
            if p[1] == UInt8(ascii: "!") && p[2] == UInt8(ascii: "-") && p[3] == UInt8(ascii: "-") {
                try skipComment()
                continue
            }
            let startLine = line
            guard let gt = try find(UInt8(ascii: ">"), from: 1) else {
                throw error("unterminated XML: the file ends inside the tag opened on line \(startLine)")
            }
            try element(length: gt + 1, line: startLine)
            consume(gt + 1)
        }
    }

    private func skipComment() throws {
        let startLine = line
        var from = 4
        while true {
            guard let dash = try find(UInt8(ascii: ">"), from: from) else {
                throw error("unterminated XML comment opened on line \(startLine)")
            }
            let p = reader.pointer.assumingMemoryBound(to: UInt8.self)
            if dash >= 2 && p[dash - 1] == UInt8(ascii: "-") && p[dash - 2] == UInt8(ascii: "-") {
                consume(dash + 1)
                return
            }
            from = dash + 1
        }
    }

    /// One tag in the window, `length` bytes from the '<'.
    private func element(length: Int, line l: Int) throws {
        let p = reader.pointer.assumingMemoryBound(to: UInt8.self)
        if p[1] == UInt8(ascii: "?") || p[1] == UInt8(ascii: "!") { return }
        let closing = p[1] == UInt8(ascii: "/")
        var i = closing ? 2 : 1
        let nameStart = i
        while i < length && !isSpace(p[i]) && p[i] != UInt8(ascii: ">") && p[i] != UInt8(ascii: "/") { i += 1 }
        let name = UnsafeBufferPointer(start: p + nameStart, count: i - nameStart)
        if closing {
            if equal(name, "timestep") { endStep() } else if equal(name, "fcd-export") { rootOpen = false }
            return
        }
        if equal(name, "timestep") {
            var time: Double?
            try attributes(p, from: i, to: length, line: l) { key, value in
                if equal(key, "time") { time = try parseNumber(value, "time", l) }
            }
            guard let t = time else { throw error("<timestep> without a time attribute", at: l) }
            guard let ns = nanoseconds(fromSeconds: t) else { throw error("time \(t) is out of range", at: l) }
            guard ns >= lastStepTime else {
                throw error("timestep time \(t) goes backwards (previous \(formatSeconds(lastStepTime)) s)", at: l)
            }
            lastStepTime = ns
            stepTime = ns
            step += 1
            present.removeAll(keepingCapacity: true)
            return
        }
        if equal(name, "fcd-export") {
            rootOpen = true
            rootLine = l
            return
        }
        let prefix: String
        if equal(name, "vehicle") { prefix = "" } else if equal(name, "person") { prefix = "person:" } else if equal(name, "container") {
            prefix = "container:"
        } else {
            return  // other elements (e.g. SUMO's own extensions) are skipped
        }
        guard let t = stepTime else { throw error("<\(String(decoding: name, as: UTF8.self))> outside a <timestep>", at: l) }
        var id: UnsafeBufferPointer<UInt8>?
        var x: Double?, y: Double?, z = 0.0
        var geo = false
        try attributes(p, from: i, to: length, line: l) { key, value in
            switch key.count {
            case 1:
                switch key[0] {
                case UInt8(ascii: "x"): x = try parseNumber(value, "x", l)
                case UInt8(ascii: "y"): y = try parseNumber(value, "y", l)
                case UInt8(ascii: "z"): z = try parseNumber(value, "z", l)
                default: break
                }
            case 2 where equal(key, "id"): id = value
            case 3:
                if equal(key, "lon") { x = try parseNumber(value, "lon", l); geo = true }
                if equal(key, "lat") { y = try parseNumber(value, "lat", l); geo = true }
            default: break
            }
        }
        guard let id, id.count > 0 else { throw error("<\(String(decoding: name, as: UTF8.self))> without an id", at: l) }
        guard let px = x, let py = y else { throw error("\(prefix)\(String(decoding: id, as: UTF8.self)) has no x/y position", at: l) }
        if geo && forced == nil { coordinates = .geographic }
        let node = intern(id, prefix: prefix)
        if node >= seenInStep.count {
            seenInStep.append(contentsOf: repeatElement(0, count: node + 1 - seenInStep.count))
            lastSeen.append(contentsOf: repeatElement(Int64.min, count: node + 1 - lastSeen.count))
        }
        if seenInStep[node] != step { present.append(node) }
        seenInStep[node] = step
        lastSeen[node] = t
        records += 1
        pending.append(.waypoint(node: node, timeNs: t, position: Position(x: px, y: py, z: z)))
    }

    /// Nodes of the previous step that this step did not mention have left.
    private func endStep() {
        for n in previous where seenInStep[n] != step {
            pending.append(.vanish(node: n, timeNs: stepTime ?? lastSeen[n]))
        }
        swap(&previous, &present)
        present.removeAll(keepingCapacity: true)
    }

    private func intern(_ id: UnsafeBufferPointer<UInt8>, prefix: String) -> Int {
        var h = prefix.isEmpty ? 1469598103 : prefix.utf8.count * 31
        for b in id { h = (h &* 16777619) ^ Int(b) }
        if let list = ids[h] {
            for (bytes, node) in list where bytes.count == id.count && bytes.elementsEqual(id) { return node }
        }
        let node = nodes.intern(prefix + String(decoding: id, as: UTF8.self))
        ids[h, default: []].append((Array(id), node))
        return node
    }

    private func attributes(_ p: UnsafePointer<UInt8>, from: Int, to end: Int, line l: Int,
                            _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var i = from
        while i < end {
            while i < end && (isSpace(p[i]) || p[i] == UInt8(ascii: "/")) { i += 1 }
            if i >= end || p[i] == UInt8(ascii: ">") { return }
            let ks = i
            while i < end && p[i] != UInt8(ascii: "=") && !isSpace(p[i]) && p[i] != UInt8(ascii: ">") { i += 1 }
            let key = UnsafeBufferPointer(start: p + ks, count: i - ks)
            while i < end && isSpace(p[i]) { i += 1 }
            guard i < end, p[i] == UInt8(ascii: "=") else { throw error("attribute \(String(decoding: key, as: UTF8.self)) has no value", at: l) }
            i += 1
            while i < end && isSpace(p[i]) { i += 1 }
            guard i < end, p[i] == UInt8(ascii: "\"") || p[i] == UInt8(ascii: "'") else {
                throw error("attribute \(String(decoding: key, as: UTF8.self)): value is not quoted", at: l)
            }
            let q = p[i]
            i += 1
            let vs = i
            while i < end && p[i] != q { i += 1 }
            guard i < end else { throw error("attribute \(String(decoding: key, as: UTF8.self)): unterminated value", at: l) }
            try body(key, UnsafeBufferPointer(start: p + vs, count: i - vs))
            i += 1
        }
    }

    private func parseNumber(_ v: UnsafeBufferPointer<UInt8>, _ what: String, _ l: Int) throws -> Double {
        if let d = fastDecimal(v) { return d }
        if let d = Double(String(decoding: v, as: UTF8.self)), d.isFinite { return d }
        throw error("\(what) '\(String(decoding: v, as: UTF8.self))' is not a number", at: l)
    }
}

@inline(__always)
func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 10 || b == 13 || b == 9 }

@inline(__always)
func equal(_ a: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
    guard a.count == s.utf8CodeUnitCount else { return false }
    let p = s.utf8Start
    for i in 0..<a.count where a[i] != p[i] { return false }
    return true
}

/// "-123.4567" style decimals without exponent, exactly as a Double parse would give for the
/// up-to-15-digit values SUMO writes; nil otherwise (the caller falls back to a full parse).
@inline(__always)
func fastDecimal(_ v: UnsafeBufferPointer<UInt8>) -> Double? {
    var i = 0
    var negative = false
    if i < v.count && (v[i] == 45 || v[i] == 43) { negative = v[i] == 45; i += 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    var fraction = 0
    var sawDot = false
    while i < v.count {
        let c = v[i]
        if c >= 48 && c <= 57 {
            if digits >= 15 { return nil }
            mantissa = mantissa * 10 + UInt64(c - 48)
            digits += 1
            if sawDot { fraction += 1 }
        } else if c == 46 && !sawDot {
            sawDot = true
        } else {
            return nil
        }
        i += 1
    }
    guard digits > 0 else { return nil }
    let pow10: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]
    let d = Double(mantissa) / pow10[fraction]
    return negative ? -d : d
}
