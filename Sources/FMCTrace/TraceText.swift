// Byte-level field parsing shared by the line-based trace readers (attachment and position
// CSV, ONE, BonnMotion, ns-2, Wi-Fi logs): exact times, numbers, ISO 8601 and syslog
// timestamps, CSV and whitespace field splitting, and name interning.
//
// Everything works on the line slices `LineReader.nextLine()` hands out, so a 200 MB trace is
// parsed without a String per line or per field: a String is made only the first time a
// node, network or cell name is seen. (The Wi-Fi reader alone needs one per candidate line,
// for its regular expression, after a cheap byte test has thrown most lines out.)

import FMCCore

// MARK: - Bytes

@inline(__always)
func isBlank(_ b: UInt8) -> Bool { b == 32 || b == 9 }

/// `b` without leading and trailing spaces and tabs.
@inline(__always)
func trimBlanks(_ b: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    var s = 0, e = b.count
    while s < e && isBlank(b[s]) { s += 1 }
    while e > s && isBlank(b[e - 1]) { e -= 1 }
    return UnsafeRawBufferPointer(rebasing: b[s..<e])
}

/// The sub-slice `a..<b` of `line`.
@inline(__always)
func subslice(_ line: UnsafeRawBufferPointer, _ a: Int, _ b: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: line[a..<b])
}

/// For error messages: the bytes as text, cut to a readable length.
func excerpt(_ b: UnsafeRawBufferPointer, limit: Int = 60) -> String {
    let s = String(decoding: b, as: UTF8.self)
    return s.count > limit ? String(s.prefix(limit)) + "…" : s
}

/// True when the bytes equal the ASCII string, ignoring ASCII case.
func equalsIgnoringCase(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
    guard b.count == s.utf8CodeUnitCount else { return false }
    let p = s.utf8Start
    for i in 0..<b.count where asciiLower(b[i]) != asciiLower(p[i]) { return false }
    return true
}

@inline(__always)
func asciiLower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }

/// True when the bytes equal the ASCII string exactly.
@inline(__always)
func bytesEqual(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
    guard b.count == s.utf8CodeUnitCount else { return false }
    let p = s.utf8Start
    for i in 0..<b.count where b[i] != p[i] { return false }
    return true
}

/// True when the bytes start with the ASCII string.
@inline(__always)
func bytesHavePrefix(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    guard b.count >= n else { return false }
    let p = s.utf8Start
    for i in 0..<n where b[i] != p[i] { return false }
    return true
}

/// True when `needle` (lower-case ASCII) occurs in `b`, ignoring ASCII case.
func containsIgnoringCase(_ b: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
    let n = needle.utf8CodeUnitCount
    guard n > 0, b.count >= n else { return false }
    let p = needle.utf8Start
    let first = p[0]
    var i = 0
    let last = b.count - n
    while i <= last {
        if asciiLower(b[i]) == first {
            var k = 1
            while k < n && asciiLower(b[i + k]) == p[k] { k += 1 }
            if k == n { return true }
        }
        i += 1
    }
    return false
}

// MARK: - Numbers and times

/// Seconds with an optional fraction ("12", "12.5", "-0.25") to nanoseconds exactly: the
/// byte-slice twin of `parseSecondsExact`, with the same rules.
func secondsExact(_ b: UnsafeRawBufferPointer) -> Int64? {
    var negative = false
    var whole: Int64 = 0
    var frac: Int64 = 0
    var fracDigits = 0
    var sawDigit = false
    var inFraction = false
    var i = 0
    if i < b.count && (b[i] == 45 || b[i] == 43) { negative = b[i] == 45; i += 1 }
    while i < b.count {
        let c = b[i]
        i += 1
        if c == 46 && !inFraction { inFraction = true; continue }
        guard c >= 48 && c <= 57 else { return nil }
        sawDigit = true
        let d = Int64(c - 48)
        if inFraction {
            if fracDigits < 9 { frac = frac * 10 + d; fracDigits += 1 }
        } else {
            whole = whole * 10 + d
            if whole > 9_000_000_000 { return nil }
        }
    }
    guard sawDigit else { return nil }
    while fracDigits < 9 { frac *= 10; fracDigits += 1 }
    let ns = whole * 1_000_000_000 + frac
    return negative ? -ns : ns
}

/// A finite decimal number ("12", "-3.5", "1e3"). Plain decimals of up to 15 digits take a
/// fast path that gives exactly what a full parse would; anything else goes through one.
func decimalNumber(_ b: UnsafeRawBufferPointer) -> Double? {
    guard b.count > 0 else { return nil }
    if let d = fastDecimal(UnsafeBufferPointer(start: b.baseAddress!.assumingMemoryBound(to: UInt8.self), count: b.count)) {
        return d
    }
    // Only digits, signs, dots and exponents reach Double's parser (it also takes "nan",
    // "inf" and hexadecimal, none of which a trace means).
    for c in b {
        guard (c >= 48 && c <= 57) || c == 43 || c == 45 || c == 46 || c == 101 || c == 69 else { return nil }
    }
    guard let d = Double(String(decoding: b, as: UTF8.self)), d.isFinite else { return nil }
    return d
}

/// A time given as seconds (exact, or with an exponent, rounded to the nanosecond) or as an
/// ISO 8601 date-time (nanoseconds since the epoch).
func parseTimestamp(_ b: UnsafeRawBufferPointer) -> Int64? {
    if let t = secondsExact(b) { return t }
    if let t = iso8601(b) { return t }
    if let d = decimalNumber(b) { return nanoseconds(fromSeconds: d) }
    return nil
}

/// Days since 1970-01-01 of a proleptic Gregorian date (no validation).
func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (m + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
    switch m {
    case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// ISO 8601 date-time to nanoseconds since the epoch: `2026-11-25T06:23:01Z`, with an
/// optional fraction (to the nanosecond), `T` or a space between date and time, and a zone
/// `Z`, `±hh:mm`, `±hhmm` or `±hh`. Without a zone the time is taken as UTC, as syslog times
/// are. nil when malformed or not a real date (Feb 30).
func iso8601(_ u: UnsafeRawBufferPointer) -> Int64? {
    guard u.count >= 19 else { return nil }
    func num(_ a: Int, _ n: Int) -> Int64? {
        guard a + n <= u.count else { return nil }
        var v: Int64 = 0
        for k in a..<(a + n) {
            guard u[k] >= 48 && u[k] <= 57 else { return nil }
            v = v * 10 + Int64(u[k] - 48)
        }
        return v
    }
    guard let y = num(0, 4), u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2),
          u[10] == 84 || u[10] == 116 || u[10] == 32,
          let h = num(11, 2), u[13] == 58, let mi = num(14, 2), u[16] == 58, let sec = num(17, 2),
          (1...12).contains(mo), d >= 1, d <= daysInMonth(y, mo), h < 24, mi < 60, sec <= 60 else { return nil }
    var i = 19
    var frac: Int64 = 0
    if i < u.count && (u[i] == 46 || u[i] == 44) {
        i += 1
        var digits = 0
        while i < u.count && u[i] >= 48 && u[i] <= 57 {
            if digits < 9 { frac = frac * 10 + Int64(u[i] - 48); digits += 1 }
            i += 1
        }
        guard digits > 0 else { return nil }
        while digits < 9 { frac *= 10; digits += 1 }
    }
    var offset: Int64 = 0
    if i < u.count {
        if u[i] == 90 || u[i] == 122 {
            i += 1
        } else if u[i] == 43 || u[i] == 45 {
            let sign: Int64 = u[i] == 43 ? 1 : -1
            guard let oh = num(i + 1, 2), oh < 24 else { return nil }
            i += 3
            var om: Int64 = 0
            if i < u.count {
                if u[i] == 58 { i += 1 }
                guard let m = num(i, 2), m < 60 else { return nil }
                om = m
                i += 2
            }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
    }
    guard i == u.count else { return nil }
    let days = daysFromCivil(y, mo, d)
    return (days * 86_400 + h * 3600 + mi * 60 + sec - offset) * 1_000_000_000 + frac
}

/// ISO 8601 date-time with an optional zone (see `iso8601`) to nanoseconds since the epoch.
public func parseISO8601(_ s: String) -> Int64? {
    var s = s
    return s.withUTF8 { iso8601(UnsafeRawBufferPointer($0)) }
}

/// A syslog (RFC 3164) timestamp "Nov 25 06:23:01" (day may be space-padded, seconds may
/// carry a fraction) in `year`, UTC, to nanoseconds since the epoch.
func syslogTime(_ b: UnsafeRawBufferPointer, year: Int) -> Int64? {
    let months: [StaticString] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    guard b.count >= 14 else { return nil }
    var month = -1
    for (k, m) in months.enumerated() where equalsIgnoringCase(subslice(b, 0, 3), m) { month = k + 1 }
    guard month > 0, b[3] == 32 else { return nil }
    var i = 4
    while i < b.count && b[i] == 32 { i += 1 }
    var day: Int64 = 0
    var dayDigits = 0
    while i < b.count && b[i] >= 48 && b[i] <= 57 && dayDigits < 2 { day = day * 10 + Int64(b[i] - 48); dayDigits += 1; i += 1 }
    guard dayDigits > 0, i < b.count, b[i] == 32 else { return nil }
    i += 1
    let clock = subslice(b, i, b.count)
    guard clock.count >= 8, clock[2] == 58, clock[5] == 58 else { return nil }
    func two(_ a: Int) -> Int64? {
        guard clock[a] >= 48 && clock[a] <= 57 && clock[a + 1] >= 48 && clock[a + 1] <= 57 else { return nil }
        return Int64(clock[a] - 48) * 10 + Int64(clock[a + 1] - 48)
    }
    guard let h = two(0), let mi = two(3), let s = two(6), h < 24, mi < 60, s <= 60 else { return nil }
    var frac: Int64 = 0
    if clock.count > 8 {
        guard clock[8] == 46, clock.count > 9, let f = secondsExact(subslice(clock, 8, clock.count)) else { return nil }
        frac = f
    }
    let y = Int64(year)
    guard day >= 1, day <= daysInMonth(y, Int64(month)) else { return nil }
    return (daysFromCivil(y, Int64(month), day) * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000_000 + frac
}

// MARK: - Splitting

/// Splits lines into fields without copying: `fields[i]` is a slice of the line (or, for a
/// CSV line with quoted fields, of a scratch copy with the quotes removed). Reused from line
/// to line, so splitting allocates nothing once its buffers have grown.
///
/// Field bounds live in manually managed buffers rather than arrays: appending to an array
/// stored in a class pays a uniqueness check and a dynamic exclusivity check per field, which
/// on a 200 MB CSV was half of the reading time.
final class FieldSplitter {
    // Unchecked exclusivity: see ByteInterner.
    @exclusivity(unchecked) private var starts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var ends: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var capacity = 16
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var base: UnsafeRawPointer?
    @exclusivity(unchecked) private var scratch: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var scratchCapacity = 0

    init() {
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        scratch?.deallocate()
    }

    @inline(__always)
    subscript(i: Int) -> UnsafeRawBufferPointer {
        precondition(i >= 0 && i < count, "field index out of range")
        return UnsafeRawBufferPointer(start: base.map { $0 + starts[i] }, count: ends[i] - starts[i])
    }

    @inline(__always)
    private func append(_ s: Int, _ e: Int) {
        if count == capacity { grow() }
        starts[count] = s
        ends[count] = e
        count += 1
    }

    private func grow() {
        let bigger = capacity * 2
        let s = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let e = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        s.update(from: starts, count: count)
        e.update(from: ends, count: count)
        starts.deallocate()
        ends.deallocate()
        starts = s
        ends = e
        capacity = bigger
    }

    /// Splits on runs of spaces and tabs (ONE, BonnMotion, ns-2).
    func splitWhitespace(_ line: UnsafeRawBufferPointer) {
        count = 0
        base = line.baseAddress
        var i = 0
        let n = line.count
        while i < n {
            while i < n && isBlank(line[i]) { i += 1 }
            if i >= n { break }
            let s = i
            while i < n && !isBlank(line[i]) { i += 1 }
            append(s, i)
        }
    }

    /// Splits a CSV line on commas, trimming spaces and tabs around each field. A field may
    /// be double-quoted (with "" for a quote inside); then its content is kept as written.
    /// Returns an error message for a garbled line (unterminated quote, text after a closing
    /// quote), nil when fine.
    func splitCSV(_ line: UnsafeRawBufferPointer) -> String? {
        count = 0
        base = line.baseAddress
        guard let p = line.baseAddress, line.count > 0 else {
            append(0, 0)
            return nil
        }
        if memchr(p, 34, line.count) == nil {
            var s = 0
            while true {
                var e = s
                while e < line.count && line[e] != 44 { e += 1 }
                var a = s, b = e
                while a < b && isBlank(line[a]) { a += 1 }
                while b > a && isBlank(line[b - 1]) { b -= 1 }
                append(a, b)
                if e >= line.count { return nil }
                s = e + 1
            }
        }
        return splitQuoted(line)
    }

    /// The slow path for lines with quotes: fields are copied, unquoted, into scratch memory.
    private func splitQuoted(_ line: UnsafeRawBufferPointer) -> String? {
        if scratchCapacity < line.count {
            scratch?.deallocate()
            scratchCapacity = max(line.count, 256)
            scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchCapacity, alignment: 1)
        }
        let out = scratch!
        base = UnsafeRawPointer(out)
        var o = 0
        var i = 0
        let n = line.count
        while true {
            while i < n && isBlank(line[i]) { i += 1 }
            let fieldStart = o
            if i < n && line[i] == 34 {
                let column = i + 1
                i += 1
                var closed = false
                while i < n {
                    if line[i] == 34 {
                        if i + 1 < n && line[i + 1] == 34 {
                            out.storeBytes(of: 34, toByteOffset: o, as: UInt8.self)
                            o += 1
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    out.storeBytes(of: line[i], toByteOffset: o, as: UInt8.self)
                    o += 1
                    i += 1
                }
                guard closed else { return "unterminated quoted field starting at column \(column)" }
                while i < n && isBlank(line[i]) { i += 1 }
                guard i >= n || line[i] == 44 else { return "text after the closing quote at column \(i + 1)" }
                append(fieldStart, o)
            } else {
                while i < n && line[i] != 44 {
                    guard line[i] != 34 else { return "a quote inside an unquoted field at column \(i + 1)" }
                    out.storeBytes(of: line[i], toByteOffset: o, as: UInt8.self)
                    o += 1
                    i += 1
                }
                var b = o
                while b > fieldStart && isBlank(out.load(fromByteOffset: b - 1, as: UInt8.self)) { b -= 1 }
                append(fieldStart, b)
            }
            if i >= n { return nil }
            i += 1  // the comma
        }
    }
}

// MARK: - Interning

/// Byte strings to dense integers without making a String per lookup: an open-addressing
/// table over FNV-1a hashes, keys kept in one byte arena. The readers use it to turn node,
/// network and cell names into `NodeTable` indices or shared Strings.
///
/// Its state is only ever touched by the reader that owns it, one call at a time, so the
/// per-access exclusivity checks Swift adds to class properties are switched off (they cost
/// more than the lookup itself).
final class ByteInterner {
    @exclusivity(unchecked) private var slots: [Int32]
    @exclusivity(unchecked) private var hashes: [UInt64] = []
    @exclusivity(unchecked) private var keyStart: [Int] = []
    @exclusivity(unchecked) private var keyLength: [Int] = []
    @exclusivity(unchecked) private var arena: [UInt8] = []
    @exclusivity(unchecked) private(set) var strings: [String] = []

    init() { slots = Array(repeating: -1, count: 64) }

    var count: Int { strings.count }

    @inline(__always)
    private static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return h
    }

    /// The index of `b`, adding it (and its String) when new.
    func intern(_ b: UnsafeRawBufferPointer) -> Int {
        let h = ByteInterner.hash(b)
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { break }
            if hashes[e] == h && keyLength[e] == b.count && equalKey(e, b) { return e }
            s = (s + 1) & mask
        }
        let e = strings.count
        hashes.append(h)
        keyStart.append(arena.count)
        keyLength.append(b.count)
        arena.append(contentsOf: b)
        strings.append(String(decoding: b, as: UTF8.self))
        slots[s] = Int32(e)
        if strings.count * 2 > slots.count { grow() }
        return e
    }

    private func equalKey(_ e: Int, _ b: UnsafeRawBufferPointer) -> Bool {
        let s = keyStart[e]
        return arena.withUnsafeBytes { a in
            guard b.count > 0 else { return true }
            return memcmp(a.baseAddress! + s, b.baseAddress!, b.count) == 0
        }
    }

    /// The String of `b`, shared between all its occurrences.
    func string(_ b: UnsafeRawBufferPointer) -> String {
        let k = intern(b)
        return strings[k]
    }

    private func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for e in 0..<hashes.count {
            var s = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(e)
        }
    }
}

/// Node names as bytes to `NodeTable` indices, making the String only for a new name.
final class NodeInterner {
    private let table: NodeTable
    private let bytes = ByteInterner()
    @exclusivity(unchecked) private var index: [Int] = []

    init(_ table: NodeTable) { self.table = table }

    @inline(__always)
    func node(_ b: UnsafeRawBufferPointer) -> Int {
        let k = bytes.intern(b)
        if k < index.count { return index[k] }
        let n = table.intern(bytes.strings[k])
        index.append(n)
        return n
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
