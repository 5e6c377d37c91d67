// Any mobility trace as one stream of attachment events in time order.
//
// Attachment formats pass through (names mapped to the scenario's networks); position formats
// go through the AttachmentEngine. Readers whose records are in global time order are streamed
// with a watermark (the earliest time any node can still produce an event), so memory follows
// the number of nodes, not the trace's length; the others are collected and sorted.

import FMCCore
import FMCScenario

public struct AttachmentStats: Sendable {
    /// Attach events (a node starting to use an access point or network).
    public var attachments = 0
    public var detachments = 0
    /// Changes of access network between consecutive attachments of a node (detached gaps
    /// in between do not hide a move: A, detached, B is one handover).
    public var handovers = 0
    /// Access point changes within one network (layer-2 only, invisible to FMC).
    public var cellChanges = 0
    public var networksVisited = Set<String>()
}

public final class AttachmentStream {
    public let reader: MobilityReader
    public let scenario: Scenario?
    private let engine: AttachmentEngine?
    private var pending: MinHeap<(AttachmentEvent, Int)>
    private var sequence = 0
    private var settled = MinHeap<(Int64, Int)>(less: { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) })
    private var readerDone = false
    private var current: [Int: (network: String?, point: String?)] = [:]
    private var lastNetwork: [Int: String] = [:]
    public private(set) var stats = AttachmentStats()
    /// Latest time seen in the trace (records and events).
    public private(set) var lastTimeNs: Int64?
    public private(set) var firstTimeNs: Int64?

    public init(reader: MobilityReader, scenario: Scenario?) throws {
        self.reader = reader
        self.scenario = scenario
        pending = MinHeap(less: { a, b in
            a.0.timeNs < b.0.timeNs || (a.0.timeNs == b.0.timeNs && a.1 < b.1)
        })
        switch reader.format {
        case .attachments, .wifi:
            engine = nil
        default:
            guard let scenario, !scenario.accessPoints.isEmpty else {
                throw InputError(file: reader.path, place: .whole,
                                 message: "a \(reader.format.rawValue) trace gives positions: attachments need a scenario with access points (--scenario)")
            }
            engine = AttachmentEngine(scenario: scenario, coordinates: reader.coordinates)
        }
    }

    /// The next attachment change in time order, or nil at the end.
    public func next() throws -> AttachmentEvent? {
        while true {
            if let top = pending.min, readerDone || top.0.timeNs < watermark() {
                pending.pop()
                if let e = account(top.0) { return e }
                continue
            }
            if readerDone { return nil }
            try pull()
        }
    }

    private func watermark() -> Int64 {
        guard reader.timeOrdered else { return .min }
        if engine == nil { return lastTimeNs ?? .min }
        while let (t, n) = settled.min {
            if engine!.settledTime(of: n) == t { return t }
            settled.pop()
        }
        return lastTimeNs ?? .min
    }

    private func pull() throws {
        guard let record = try reader.next() else {
            readerDone = true
            engine?.finish()
            collect()
            return
        }
        note(record.timeNs)
        switch record {
        case let .attach(node, t, point, cell, line):
            let (network, ap) = try resolve(point, cell: cell, line: line)
            push(AttachmentEvent(timeNs: t, node: node, network: network, point: ap))
        case let .detach(node, t, _):
            push(AttachmentEvent(timeNs: t, node: node, network: nil, point: nil))
        case .waypoint, .vanish:
            guard let engine else {
                throw InputError(file: reader.path, place: .whole, message: "positions in an attachment-format trace")
            }
            engine.feed(record)
            if let t = engine.settledTime(of: record.node) { settled.push((t, record.node)) }
            collect()
        }
    }

    private func collect() {
        guard let engine else { return }
        for e in engine.drain() { push(e) }
    }

    private func push(_ e: AttachmentEvent) {
        pending.push((e, sequence))
        sequence += 1
    }

    private func note(_ t: Int64) {
        if firstTimeNs == nil || t < firstTimeNs! { firstTimeNs = t }
        if lastTimeNs == nil || t > lastTimeNs! { lastTimeNs = t }
    }

    /// Maps a name from an attachment trace to (network, access point) through the scenario.
    private func resolve(_ point: String, cell: String?, line: Int) throws -> (String, String?) {
        guard let scenario else { return (point, cell) }
        if scenario.network(named: point) != nil { return (point, cell) }
        for (n, ap) in scenario.accessPoints where ap.name == point {
            return (scenario.networks[n].name, ap.name)
        }
        throw InputError(file: reader.path, place: .line(line, column: nil),
                         message: "'\(point)' is neither a network nor an access point of scenario \(scenario.file)")
    }

    /// Drops events that change nothing and keeps the statistics.
    private func account(_ e: AttachmentEvent) -> AttachmentEvent? {
        let before = current[e.node]
        if let b = before, b.network == e.network, b.point == e.point { return nil }
        if before == nil && e.network == nil { return nil }
        current[e.node] = (e.network, e.point)
        if let n = e.network {
            stats.attachments += 1
            stats.networksVisited.insert(n)
            if let last = lastNetwork[e.node] {
                if last != n { stats.handovers += 1 } else if before?.network == n { stats.cellChanges += 1 }
            }
            lastNetwork[e.node] = n
        } else {
            stats.detachments += 1
        }
        return e
    }
}
