// Small helpers for the per-format reader tests: fixture text written to a scratch folder,
// reading a reader to its end or to its first error, and waypoint shorthands.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

/// A scratch folder for fixture files, removed when the value goes away.
final class Scratch {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-traces-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func file(_ name: String, _ text: String) -> String {
        let p = url.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }

    /// `name` + ".gz", gzip(1)-compressed.
    func gzipped(_ name: String, _ text: String) throws -> String {
        let p = file(name, text)
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/bin/gzip")
        proc.arguments = ["-f", "-n", p]
        try proc.run()
        proc.waitUntilExit()
        return p + ".gz"
    }
}

/// Every record of a reader.
func drain(_ r: MobilityReader) throws -> [MobilityRecord] {
    var out: [MobilityRecord] = []
    while let x = try r.next() { out.append(x) }
    return out
}

/// The records a reader gives before its first error, and that error (nil when none). An
/// error from the initialiser comes back with no records.
func drainUntilError(_ open: () throws -> MobilityReader) -> (records: [MobilityRecord], error: InputError?, reader: MobilityReader?) {
    var out: [MobilityRecord] = []
    var reader: MobilityReader?
    do {
        let r = try open()
        reader = r
        while let x = try r.next() { out.append(x) }
        return (out, nil, r)
    } catch {
        return (out, error as? InputError, reader)
    }
}

/// The line an InputError names, or nil.
func errorLine(_ e: InputError?) -> Int? {
    if case let .line(l, _)? = e?.place { return l }
    return nil
}

/// A waypoint at `seconds` (rounded to the nanosecond).
func wp(_ node: Int, _ seconds: Double, _ x: Double, _ y: Double, _ z: Double = 0) -> MobilityRecord {
    .waypoint(node: node, timeNs: Int64((seconds * 1e9).rounded()), position: Position(x: x, y: y, z: z))
}

/// Seconds to nanoseconds for literals in expectations.
func nanos(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

/// Where a node is at `t` according to its waypoints (straight lines between them, standing
/// still before the first and after the last): an interpolation written independently of
/// the library's sampler.
func positionAt(_ t: Int64, _ points: [(Int64, Position)]) -> Position? {
    guard let first = points.first else { return nil }
    if t <= first.0 { return first.1 }
    var result = first.1
    for k in 1..<max(1, points.count) where k < points.count {
        let (t0, p0) = points[k - 1], (t1, p1) = points[k]
        if t >= t1 { result = p1; continue }
        if t < t0 { break }
        if t1 == t0 { return p1 }
        let f = Double(t - t0) / Double(t1 - t0)
        return Position(x: p0.x + (p1.x - p0.x) * f, y: p0.y + (p1.y - p0.y) * f, z: p0.z + (p1.z - p0.z) * f)
    }
    return result
}
