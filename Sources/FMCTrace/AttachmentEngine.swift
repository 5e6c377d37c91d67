// Positions to attachments: which access point (and so which access network) each node uses,
// and exactly when that changes.
//
// Between two waypoints a node moves in a straight line at constant speed, so the times at
// which it enters or leaves an access point's disc are roots of a quadratic, and the times at
// which one access point becomes nearer than another are roots of a linear function: both are
// computed exactly rather than found at the next sample. Hysteresis: a node keeps an access
// point that still covers it until another is `margin` metres nearer for `dwell` without a
// break (as a handover's time-to-trigger does), which stops flapping on boundaries. Losing
// coverage switches at once to the nearest access point in range, or detaches.

import FMCCore
import FMCScenario
import Foundation

/// A node attaches to an access point of a network, or detaches (`network == nil`).
public struct AttachmentEvent: Equatable, Sendable {
    public var timeNs: Int64
    public var node: Int
    public var network: String?
    /// The access point or cell; nil when detached, or when the trace named only a network.
    public var point: String?
    public init(timeNs: Int64, node: Int, network: String?, point: String?) {
        self.timeNs = timeNs
        self.node = node
        self.network = network
        self.point = point
    }
}

public final class AttachmentEngine {
    struct AP {
        var x: Double, y: Double, radius: Double
        var name: String, network: String
    }

    struct NodeState {
        var hasPosition = false
        var time: Int64 = 0
        var x = 0.0, y = 0.0
        var current = -1  // access point index, -1 = detached
        var pendingAP = -1
        var pendingSince: Int64 = 0
        var gone = false
    }

    private var aps: [AP] = []
    private let margin: Double
    private let dwell: Int64
    private var nodes: [NodeState] = []
    /// Reused per leg: the access points a leg can come near (no allocation per sample).
    private var near: [Int] = []
    /// Local plane for geographic traces: metres per degree of longitude and latitude.
    private let projection: (lon0: Double, lat0: Double, mx: Double, my: Double)?
    /// Events produced since the last `drain`, per node in time order.
    public private(set) var output: [AttachmentEvent] = []

    /// Geographic traces are projected onto a local plane centred on the access points
    /// (equirectangular; error under 0.1 % within 50 km of the centre), where circles stay
    /// circles and crossing times stay exact.
    public init(scenario: Scenario, coordinates: Coordinates) {
        margin = scenario.attachment.marginMetres
        dwell = scenario.attachment.minimumDwellNs
        let list = scenario.accessPoints
        if coordinates == .geographic, !list.isEmpty {
            let lon0 = list.map(\.point.x).reduce(0, +) / Double(list.count)
            let lat0 = list.map(\.point.y).reduce(0, +) / Double(list.count)
            let r = 6_371_008.8 * Double.pi / 180
            projection = (lon0, lat0, r * cos(lat0 * .pi / 180), r)
        } else {
            projection = nil
        }
        for (n, ap) in list {
            let (x, y) = Self.project(ap.x, ap.y, projection)
            aps.append(AP(x: x, y: y, radius: ap.radius, name: ap.name, network: scenario.networks[n].name))
        }
    }

    static func project(_ x: Double, _ y: Double, _ p: (lon0: Double, lat0: Double, mx: Double, my: Double)?) -> (Double, Double) {
        guard let p else { return (x, y) }
        return ((x - p.lon0) * p.mx, (y - p.lat0) * p.my)
    }

    public var hasAccessPoints: Bool { !aps.isEmpty }

    /// Takes one waypoint or vanish record (attachment records are not for this engine).
    public func feed(_ record: MobilityRecord) {
        switch record {
        case let .waypoint(node, t, position):
            ensure(node)
            let (x, y) = Self.project(position.x, position.y, projection)
            move(node, to: t, x, y)
        case let .vanish(node, t):
            ensure(node)
            var s = nodes[node]
            guard !s.gone else { return }
            if s.hasPosition { advanceStationary(node, to: t); s = nodes[node] }
            if s.current >= 0 { output.append(AttachmentEvent(timeNs: max(t, s.time), node: node, network: nil, point: nil)) }
            nodes[node] = NodeState(gone: true)
        default:
            break
        }
    }

    /// Time up to which this node's attachments are final (its last waypoint).
    public func settledTime(of node: Int) -> Int64? {
        guard node < nodes.count, nodes[node].hasPosition, !nodes[node].gone else { return nil }
        return nodes[node].time
    }

    /// After the last record: nodes stay where they were, so pending switches complete.
    public func finish() {
        for n in nodes.indices where nodes[n].hasPosition && !nodes[n].gone && nodes[n].pendingAP >= 0 {
            advanceStationary(n, to: nodes[n].pendingSince + dwell)
        }
    }

    /// Hands out the events produced so far.
    public func drain() -> [AttachmentEvent] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    private func ensure(_ node: Int) {
        if node >= nodes.count { nodes.append(contentsOf: repeatElement(NodeState(), count: node + 1 - nodes.count)) }
    }

    private func advanceStationary(_ node: Int, to t: Int64) {
        let s = nodes[node]
        if t > s.time { move(node, to: t, s.x, s.y) }
    }

    /// Processes the straight leg from the node's last waypoint to (t, x, y).
    private func move(_ node: Int, to t1: Int64, _ x1: Double, _ y1: Double) {
        var s = nodes[node]
        if s.gone || !s.hasPosition {
            // First appearance: attach where it is, no dwell.
            s = NodeState()
            s.hasPosition = true
            s.time = t1
            s.x = x1
            s.y = y1
            s.current = nearestInRange(x1, y1, excluding: -1)
            if s.current >= 0 { emit(node, t1, s.current) }
            nodes[node] = s
            return
        }
        if t1 <= s.time {
            // A jump (two positions at one time): only losing coverage changes anything.
            s.x = x1
            s.y = y1
            if s.current < 0 || !inRange(s.current, x1, y1) {
                let best = nearestInRange(x1, y1, excluding: -1)
                if best != s.current {
                    s.current = best
                    s.pendingAP = -1
                    emit(node, s.time, best)
                }
            }
            nodes[node] = s
            return
        }
        let t0 = s.time, x0 = s.x, y0 = s.y
        let seconds = Double(t1 - t0) / 1e9
        let vx = (x1 - x0) / seconds, vy = (y1 - y0) / seconds
        // Only access points the leg can come near matter.
        let minX = min(x0, x1), maxX = max(x0, x1), minY = min(y0, y1), maxY = max(y0, y1)
        near.removeAll(keepingCapacity: true)
        for (i, ap) in aps.enumerated() {
            let reach = ap.radius + margin
            if ap.x + reach >= minX && ap.x - reach <= maxX && ap.y + reach >= minY && ap.y - reach <= maxY { near.append(i) }
        }
        if s.current >= 0 && !near.contains(s.current) { near.append(s.current) }
        if s.pendingAP >= 0 && !near.contains(s.pendingAP) { near.append(s.pendingAP) }

        func pos(_ t: Int64) -> (Double, Double) {
            let dt = Double(t - t0) / 1e9
            return (x0 + vx * dt, y0 + vy * dt)
        }
        func dist(_ i: Int, _ t: Int64) -> Double {
            let (x, y) = pos(t)
            let dx = x - aps[i].x, dy = y - aps[i].y
            return (dx * dx + dy * dy).squareRoot()
        }

        var tau = t0
        var steps = 0
        while tau < t1 && steps < 10_000 {
            steps += 1
            // Commit a switch whose dwell has run out.
            if s.pendingAP >= 0 && s.pendingSince + dwell <= tau {
                s.current = s.pendingAP
                s.pendingAP = -1
                emit(node, s.pendingSince + dwell, s.current)
            }
            // The next time anything that matters can change.
            var next = t1
            for i in near {
                let (r1, r2) = rangeRoots(i, x0, y0, vx, vy, t0)
                if r1 > tau && r1 < next { next = r1 }
                if r2 > tau && r2 < next { next = r2 }
            }
            if s.current >= 0 {
                for j in near where j != s.current {
                    if let r = marginRoot(current: s.current, other: j, from: tau, to: next, dist) { next = r }
                }
            }
            // Nearest-access-point changes: |p - a_j|² = |p - a_k|² is linear in time.
            for (ai, j) in near.enumerated() {
                for k in near[(ai + 1)...] {
                    if let r = equalDistanceRoot(j, k, x0, y0, vx, vy, t0), r > tau, r < next { next = r }
                }
            }
            if s.pendingAP >= 0 {
                let due = s.pendingSince + dwell
                if due > tau && due < next { next = due }
            }
            // The situation holds on the open interval (tau, next); transitions happen at tau.
            let mid = tau + max(1, (next - tau) / 2)
            let (mx, my) = pos(mid)
            let best = nearestInRange(mx, my, excluding: -1)
            if s.current < 0 || !inRange(s.current, mx, my) {
                if best != s.current {
                    s.current = best
                    s.pendingAP = -1
                    emit(node, tau, best)
                }
            } else if best >= 0 && best != s.current && dist(best, mid) + margin <= dist(s.current, mid) {
                if s.pendingAP != best {
                    s.pendingAP = best
                    s.pendingSince = tau
                }
            } else {
                s.pendingAP = -1
            }
            tau = next
        }
        if s.pendingAP >= 0 && s.pendingSince + dwell <= t1 {
            s.current = s.pendingAP
            s.pendingAP = -1
            emit(node, s.pendingSince + dwell, s.current)
        }
        s.time = t1
        s.x = x1
        s.y = y1
        nodes[node] = s
    }

    private func emit(_ node: Int, _ t: Int64, _ ap: Int) {
        output.append(ap < 0
            ? AttachmentEvent(timeNs: t, node: node, network: nil, point: nil)
            : AttachmentEvent(timeNs: t, node: node, network: aps[ap].network, point: aps[ap].name))
    }

    private func inRange(_ i: Int, _ x: Double, _ y: Double) -> Bool {
        let dx = x - aps[i].x, dy = y - aps[i].y
        return dx * dx + dy * dy <= aps[i].radius * aps[i].radius
    }

    /// The nearest access point whose disc contains the point; ties go to the lower index.
    private func nearestInRange(_ x: Double, _ y: Double, excluding: Int) -> Int {
        var best = -1
        var bestD = Double.infinity
        for (i, ap) in aps.enumerated() where i != excluding {
            let dx = x - ap.x, dy = y - ap.y
            let d = dx * dx + dy * dy
            if d <= ap.radius * ap.radius && d < bestD { best = i; bestD = d }
        }
        return best
    }

    /// Times at which the leg crosses the circle of access point `i` (Int64.min: none).
    @inline(__always)
    private func rangeRoots(_ i: Int, _ x0: Double, _ y0: Double, _ vx: Double, _ vy: Double, _ t0: Int64) -> (Int64, Int64) {
        let px = x0 - aps[i].x, py = y0 - aps[i].y
        let a = vx * vx + vy * vy
        guard a > 0 else { return (.min, .min) }
        let b = 2 * (vx * px + vy * py)
        let c = px * px + py * py - aps[i].radius * aps[i].radius
        let disc = b * b - 4 * a * c
        guard disc > 0 else { return (.min, .min) }
        let sq = disc.squareRoot()
        func time(_ s: Double) -> Int64 { s >= 0 && s < 9e9 ? t0 + Int64((s * 1e9).rounded()) : .min }
        return (time((-b - sq) / (2 * a)), time((-b + sq) / (2 * a)))
    }

    private func equalDistanceRoot(_ j: Int, _ k: Int, _ x0: Double, _ y0: Double, _ vx: Double, _ vy: Double, _ t0: Int64) -> Int64? {
        // |p-a|² - |p-b|² = 2 p·(b-a) + |a|² - |b|², with p = p0 + v s.
        let ax = aps[j].x, ay = aps[j].y, bx = aps[k].x, by = aps[k].y
        let slope = 2 * (vx * (bx - ax) + vy * (by - ay))
        guard slope != 0 else { return nil }
        let constant = 2 * (x0 * (bx - ax) + y0 * (by - ay)) + ax * ax + ay * ay - bx * bx - by * by
        let s = -constant / slope
        guard s >= 0, s < 9e9 else { return nil }
        return t0 + Int64((s * 1e9).rounded())
    }

    /// First time in (from, to) at which `other` becomes `margin` nearer than `current`
    /// (or stops being so), found by sampling for a sign change and bisecting to 1 ns.
    private func marginRoot(current: Int, other: Int, from: Int64, to: Int64, _ dist: (Int, Int64) -> Double) -> Int64? {
        guard to > from + 1 else { return nil }
        // "Holds" with a nanometre of slack, so an exact root lands on its nanosecond rather
        // than one after it through rounding noise.
        func holds(_ t: Int64) -> Bool { dist(current, t) - dist(other, t) - margin >= -1e-9 }
        let samples = 16
        var lo = from
        var hlo = holds(from)
        for k in 1...samples {
            let hi = k == samples ? to : from + (to - from) / Int64(samples) * Int64(k)
            let hhi = holds(hi)
            if hlo != hhi {
                var a = lo, b = hi
                while b - a > 1 {
                    let m = a + (b - a) / 2
                    if holds(m) == hlo { a = m } else { b = m }
                }
                return b < to ? b : nil
            }
            lo = hi
            hlo = hhi
        }
        return nil
    }
}
