// Positions of every node at regular times, from any position trace: what
// `fmc trace convert --to positions --step S` writes, and how fmc's interpolation is checked
// against other interpreters of the same formats.

import FMCCore

public struct PositionSample: Equatable, Sendable {
    public var timeNs: Int64
    public var node: Int
    public var position: Position
}

public final class PositionSampler {
    public let reader: MobilityReader
    public let stepNs: Int64
    struct NodeState {
        var time: Int64
        var position: Position
        var nextSample: Int64
        var gone: Bool
    }
    private var nodes: [Int: NodeState] = [:]
    private var pending: MinHeap<PositionSample>
    private var lastTime = Int64.min
    private var done = false
    private var finished = false

    public init(reader: MobilityReader, stepNs: Int64) {
        precondition(stepNs > 0)
        self.reader = reader
        self.stepNs = stepNs
        pending = MinHeap(less: { $0.timeNs < $1.timeNs || ($0.timeNs == $1.timeNs && $0.node < $1.node) })
    }

    /// The next sample in (time, node) order, or nil at the end. Nodes are sampled from
    /// their first waypoint to the trace's last time (or until they vanish), at multiples of
    /// the step.
    public func next() throws -> PositionSample? {
        while true {
            if let top = pending.min, done || (reader.timeOrdered && top.timeNs < watermark()) {
                return pending.pop()
            }
            if done { return nil }
            guard let record = try reader.next() else {
                done = true
                for (n, s) in nodes where !s.gone { emit(n, until: lastTime, inclusive: true) ; _ = s }
                continue
            }
            if record.timeNs > lastTime { lastTime = record.timeNs }
            switch record {
            case let .waypoint(node, t, p):
                if var s = nodes[node], !s.gone {
                    // Samples strictly inside the leg, then the leg's end becomes the anchor.
                    var k = s.nextSample
                    let dt = Double(t - s.time)
                    while k < t || (k == t && dt == 0) {
                        if k >= s.time {
                            let f = dt > 0 ? Double(k - s.time) / dt : 1
                            pending.push(PositionSample(timeNs: k, node: node, position: Position(
                                x: s.position.x + (p.x - s.position.x) * f, y: s.position.y + (p.y - s.position.y) * f,
                                z: s.position.z + (p.z - s.position.z) * f)))
                        }
                        k += stepNs
                    }
                    s.nextSample = k
                    s.time = t
                    s.position = p
                    nodes[node] = s
                } else {
                    let first = ceilMultiple(t)
                    nodes[node] = NodeState(time: t, position: p, nextSample: first, gone: false)
                }
            case let .vanish(node, t):
                if nodes[node] != nil, !(nodes[node]!.gone) {
                    emit(node, until: t, inclusive: true)
                    nodes[node]!.gone = true
                }
            default:
                throw InputError(file: reader.path, place: .whole, message: "positions were asked for, but this trace gives attachments")
            }
        }
    }

    private func ceilMultiple(_ t: Int64) -> Int64 {
        let (q, r) = t.quotientAndRemainder(dividingBy: stepNs)
        return (r > 0 ? q + 1 : q) * stepNs
    }

    /// Samples of a node standing at its last waypoint up to `t`.
    private func emit(_ node: Int, until t: Int64, inclusive: Bool) {
        guard var s = nodes[node] else { return }
        while s.nextSample < t || (inclusive && s.nextSample == t) {
            if s.nextSample >= s.time { pending.push(PositionSample(timeNs: s.nextSample, node: node, position: s.position)) }
            s.nextSample += stepNs
        }
        nodes[node] = s
    }

    /// In a time-ordered trace nothing can come before the earliest anchor of a live node.
    private func watermark() -> Int64 {
        var w = lastTime
        for (_, s) in nodes where !s.gone && s.time < w { w = s.time }
        return w
    }
}
