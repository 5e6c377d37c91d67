// One stream of what happens, in time order: attachment changes from a mobility trace and
// packets from a capture, on the trace's clock.
//
// Mobility and traffic usually come from independent datasets, so the capture is placed on
// the trace's clock (`align`), may be stretched or compressed (`scale`) and repeated
// (`loop`) to cover the trace. Both sides stream; the only state is a few pending events and
// the node-to-host mapping. Capture timestamps that go backwards are held to the last time
// already emitted and counted, so the consumer always sees non-decreasing times.

import FMCCapture
import FMCCore
import FMCScenario
import FMCTrace

public struct TimelineOptions: Sendable {
    public enum Align: String, Sendable, CaseIterable {
        /// The capture's first packet happens at the trace's first event.
        case start
        /// Both clocks are taken as they are (e.g. both since the epoch).
        case absolute
    }
    public var align: Align = .start
    /// Capture durations are multiplied by this (2 = half speed, 0.5 = double speed).
    public var scale: Double = 1
    /// Repeat the capture until the trace's last event.
    public var loop = false
    /// Shift added to capture times after alignment and scaling.
    public var offsetNs: Int64 = 0
    public init() {}
}

/// A capture packet on the trace clock.
public struct PacketEvent: Sendable {
    public var timeNs: Int64
    public var info: PacketInfo
    /// Bytes on the wire.
    public var length: Int
    /// Which repetition of the capture (0 for the first).
    public var round: Int
}

public enum TimelineEvent: Sendable {
    case attachment(AttachmentEvent)
    case packet(PacketEvent)

    public var timeNs: Int64 {
        switch self {
        case let .attachment(a): return a.timeNs
        case let .packet(p): return p.timeNs
        }
    }
}

/// Which capture host plays which trace node: explicit pairs from the scenario first, then,
/// in `auto` mode, each trace node on its first appearance takes the next host of a seeded
/// permutation of the capture's hosts inside the scenario's prefixes. Deterministic for the
/// same inputs and seed.
public final class NodeAssigner {
    public private(set) var hostOf: [Int: IPAddress] = [:]
    public private(set) var nodeOf: [IPAddress: Int] = [:]
    private var free: [IPAddress]
    private let explicit: [String: IPAddress]
    private let auto: Bool
    private let names: NodeTable

    public init(mapping: NodeMapping, captureHosts: [IPAddress], scenario: Scenario, names: NodeTable) {
        self.names = names
        explicit = Dictionary(mapping.explicit.map { ($0.node, $0.address) }, uniquingKeysWith: { a, _ in a })
        auto = mapping.mode == .auto
        let taken = Set(explicit.values)
        var eligible = captureHosts.filter { h in !taken.contains(h) && scenario.networks.contains { $0.prefix.contains(h) } }.sorted()
        var rng = SplitMix64(seed: mapping.seed)
        if eligible.count > 1 {
            for i in stride(from: eligible.count - 1, to: 0, by: -1) {
                eligible.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
        }
        free = eligible
    }

    /// The capture host of a trace node, assigning one on first sight.
    public func host(for node: Int) -> IPAddress? {
        if let h = hostOf[node] { return h }
        let name = names.name(node) ?? String(node)
        var h = explicit[name]
        if h == nil && auto && !free.isEmpty { h = free.removeFirst() }
        guard let h else { return nil }
        hostOf[node] = h
        nodeOf[h] = node
        return h
    }
}

public final class Timeline {
    public let options: TimelineOptions
    private let attachments: AttachmentStream
    private let capturePath: String?
    private let filter: PacketFilter?
    private var capture: CaptureReader?
    private var round = 0
    private var nextAttachment: AttachmentEvent?
    private var attachmentsDone = false
    private var nextPacket: PacketEvent?
    private var packetsDone = false
    private var captureStart: Int64?
    private var captureEnd: Int64 = .min
    private var roundOffset: Int64 = 0
    private var firstRoundPackets = 0
    private var traceStart: Int64?
    private var lastEmitted = Int64.min
    private var info = PacketInfo()
    /// Capture packets whose time had to be held (capture timestamps going backwards).
    public private(set) var heldPackets = 0
    public private(set) var packets = 0
    /// Non-IP packets of the capture (ARP, ...), which the FMC model does not route.
    public private(set) var skippedNonIP = 0
    /// Latest attachment time seen; with `loop`, the capture repeats until it.
    public private(set) var lastAttachmentNs: Int64?

    public init(attachments: AttachmentStream, capture: String?, filter: PacketFilter? = nil, options: TimelineOptions = TimelineOptions()) throws {
        self.attachments = attachments
        capturePath = capture
        self.filter = filter
        self.options = options
        if let capture { self.capture = try CaptureReader(path: capture) }
        try fillAttachment()
        traceStart = nextAttachment?.timeNs ?? attachments.firstTimeNs
        if capture == nil { packetsDone = true }
    }

    /// The next event in time order (attachments before packets at the same time), or nil.
    public func next() throws -> TimelineEvent? {
        if nextPacket == nil && !packetsDone { try fillPacket() }
        let event: TimelineEvent
        switch (nextAttachment, nextPacket) {
        case (nil, nil):
            return nil
        case let (a?, p?):
            if a.timeNs <= p.timeNs {
                event = .attachment(a)
                try fillAttachment()
            } else {
                event = .packet(p)
                nextPacket = nil
            }
        case let (a?, nil):
            event = .attachment(a)
            try fillAttachment()
        case let (nil, p?):
            event = .packet(p)
            nextPacket = nil
        }
        lastEmitted = max(lastEmitted, event.timeNs)
        return event
    }

    private func fillAttachment() throws {
        guard !attachmentsDone else { return }
        nextAttachment = try attachments.next()
        if let a = nextAttachment { lastAttachmentNs = a.timeNs } else { attachmentsDone = true }
    }

    private func fillPacket() throws {
        while nextPacket == nil && !packetsDone {
            guard let reader = capture else { packetsDone = true; return }
            guard let raw = try reader.next() else {
                // End of one round: repeat while the trace goes on.
                if options.loop, let start = captureStart, captureEnd >= start {
                    let roundEnd = mapped(captureEnd)
                    if !attachmentsDone || (lastAttachmentNs.map { roundEnd < $0 } ?? false) {
                        // The next round starts one mean packet gap after this one ended.
                        let span = captureEnd - start
                        let gap = firstRoundPackets > 1 ? span / Int64(firstRoundPackets - 1) : 1_000_000
                        roundOffset += Int64((Double(span) * options.scale).rounded()) + max(1, Int64(Double(gap) * options.scale))
                        round += 1
                        capture = try CaptureReader(path: capturePath!)
                        continue
                    }
                }
                packetsDone = true
                return
            }
            if let filter, try !filter.matches(raw) { continue }
            PacketDecoder.decode(raw, into: &info)
            guard info.network == .ipv4 || info.network == .ipv6 else { skippedNonIP += 1; continue }
            if captureStart == nil { captureStart = raw.timeNs }
            if round == 0 {
                firstRoundPackets += 1
                if raw.timeNs > captureEnd { captureEnd = raw.timeNs }
            }
            var t = mapped(raw.timeNs)
            if t < lastEmitted { t = lastEmitted; heldPackets += 1 }
            packets += 1
            nextPacket = PacketEvent(timeNs: t, info: info, length: raw.originalLength, round: round)
        }
    }

    /// Capture time to trace time.
    private func mapped(_ t: Int64) -> Int64 {
        let base: Int64
        switch options.align {
        case .start: base = (traceStart ?? 0)
        case .absolute: base = captureStart ?? 0
        }
        let rel = Double(t - (captureStart ?? t)) * options.scale
        return base + Int64(rel.rounded()) + roundOffset + options.offsetNs
    }
}
