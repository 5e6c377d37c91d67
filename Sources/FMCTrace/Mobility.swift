// The one shape every mobility trace reader produces, whatever the format: a stream of
// records saying where a node is (waypoints) or what it is attached to (attachments).
//
// Position formats (ns-2, BonnMotion, SUMO FCD, ONE, position CSV) become waypoints: between
// two consecutive waypoints of a node, the node moves in a straight line at constant speed,
// so attachment changes can be placed at the exact boundary-crossing time. Attachment
// formats (attachment CSV, Wi-Fi association logs) say directly which network, access point
// or cell a node uses. Times are Int64 nanoseconds on the trace's own clock (seconds from
// the start for simulators, since the epoch for dated logs); the Timeline aligns clocks.

import FMCCore
import Foundation

public enum MobilityFormat: String, Sendable, CaseIterable {
    /// `time,node,network[,cell]` CSV (fmc's native attachment format).
    case attachments
    /// `time,node,x,y` (metres) or `time,node,lon,lat` (degrees) CSV.
    case positions
    /// ns-2 movement files (`$node_(i) set X_`, `$ns_ at t "$node_(i) setdest x y speed"`).
    case ns2
    /// BonnMotion `.movements[.gz]` with its `.params`.
    case bonnmotion
    /// SUMO floating-car-data XML (`--fcd-output`).
    case sumo
    /// The ONE simulator's external movement format.
    case one
    /// Wi-Fi association syslog (Dartmouth style), line pattern configurable.
    case wifi
}

public enum Coordinates: String, Sendable {
    /// x, y, z in metres.
    case cartesian
    /// x = longitude, y = latitude in degrees; distances are great-circle.
    case geographic
}

public struct Position: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var z: Double
    public init(x: Double, y: Double, z: Double = 0) {
        self.x = x
        self.y = y
        self.z = z
    }
}

public enum MobilityRecord: Equatable, Sendable {
    /// `node` is at `position` at `timeNs`. Between two waypoints of the same node it moves
    /// in a straight line at constant speed; after its last waypoint it stays there (until
    /// a `vanish`, if any).
    case waypoint(node: Int, timeNs: Int64, position: Position)
    /// `node` leaves the trace (e.g. a SUMO vehicle that arrived): detached from then on.
    case vanish(node: Int, timeNs: Int64)
    /// `node` attaches to `point`: a network name, or an access point / cell name that the
    /// scenario maps to a network. `line` is where the trace said so, for error messages.
    case attach(node: Int, timeNs: Int64, point: String, cell: String?, line: Int)
    /// `node` detaches (disassociates) from whatever it was attached to.
    case detach(node: Int, timeNs: Int64, line: Int)

    public var node: Int {
        switch self {
        case let .waypoint(n, _, _), let .vanish(n, _), let .attach(n, _, _, _, _), let .detach(n, _, _): return n
        }
    }

    public var timeNs: Int64 {
        switch self {
        case let .waypoint(_, t, _), let .vanish(_, t), let .attach(_, t, _, _, _), let .detach(_, t, _): return t
        }
    }
}

/// Trace node names interned to dense indices, so per-node state lives in arrays.
///
/// Thread-safe: a replay parses the trace on one thread (interning names as nodes first
/// appear) while another looks names up for the nodes it has seen.
public final class NodeTable: @unchecked Sendable {
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var table: [String] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Every name so far, numbered from 0 (a snapshot).
    public var names: [String] { lock.withLock { table } }

    public var count: Int { lock.withLock { table.count } }

    /// The name of node `i`, if there is one.
    public func name(_ i: Int) -> String? {
        lock.withLock { table.indices.contains(i) ? table[i] : nil }
    }

    public func intern(_ name: String) -> Int {
        lock.withLock {
            if let i = index[name] { return i }
            let i = table.count
            table.append(name)
            index[name] = i
            return i
        }
    }

    public func lookup(_ name: String) -> Int? { lock.withLock { index[name] } }
}

/// Settings some formats need; every field has a sensible default.
public struct MobilityOptions: Sendable {
    /// Wi-Fi log line pattern: a regular expression with the named groups `time`, `ap`,
    /// `client` and `type` (see `WifiLogReader`). nil = the Dartmouth-style default.
    public var wifiPattern: String?
    /// Year for syslog timestamps that carry none (e.g. "Nov 25 06:23:01").
    public var wifiYear: Int?
    /// Force the CSV position columns to be read as lon/lat (or x/y); nil = from the header.
    public var coordinates: Coordinates?
    public init() {}
}

/// What every mobility reader offers. Readers stream: memory grows with the number of nodes,
/// not with the length of the trace (formats that are not in global time order, such as
/// ns-2 and BonnMotion, are read per node and say so with `timeOrdered == false`).
public protocol MobilityReader: AnyObject {
    var path: String { get }
    var format: MobilityFormat { get }
    var nodes: NodeTable { get }
    var coordinates: Coordinates { get }
    /// True when `next()` returns records in non-decreasing time order over all nodes.
    /// Otherwise records are in time order per node only.
    var timeOrdered: Bool { get }
    /// Data records read so far (samples, movement commands, log lines that matched).
    var records: Int { get }
    /// Input lines that were skipped on purpose (comments, `$god_` lines, non-matching log
    /// lines), so a user can see that nothing was dropped silently.
    var skippedLines: Int { get }
    /// The next record, or nil at the end. Bad input throws an `InputError` naming the
    /// file and line; records returned before it remain valid.
    func next() throws -> MobilityRecord?
}

/// Parses a time given as seconds with an optional fraction ("12", "12.5", "-0.25") into
/// nanoseconds exactly (no floating point), or nil.
public func parseSecondsExact<S: StringProtocol>(_ text: S) -> Int64? {
    var negative = false
    var whole: Int64 = 0
    var frac: Int64 = 0
    var fracDigits = 0
    var sawDigit = false
    var inFraction = false
    var first = true
    for c in text.utf8 {
        defer { first = false }
        if first && (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) { negative = c == UInt8(ascii: "-"); continue }
        if c == UInt8(ascii: ".") && !inFraction { inFraction = true; continue }
        guard c >= 48 && c <= 57 else { return nil }
        sawDigit = true
        let d = Int64(c - 48)
        if inFraction {
            if fracDigits < 9 { frac = frac * 10 + d; fracDigits += 1 }
        } else {
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 || a > 9_000_000_000 { return nil }
            whole = a
        }
    }
    guard sawDigit else { return nil }
    while fracDigits < 9 { frac *= 10; fracDigits += 1 }
    let ns = whole * 1_000_000_000 + frac
    return negative ? -ns : ns
}

/// Seconds as Double to nanoseconds, rounded to the nearest; nil when not finite or out of
/// range. For formats whose times are written as floating-point numbers.
public func nanoseconds(fromSeconds s: Double) -> Int64? {
    guard s.isFinite, abs(s) < 9.2e9 else { return nil }
    return Int64((s * 1e9).rounded())
}
