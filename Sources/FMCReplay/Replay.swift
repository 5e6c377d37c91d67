// A replay: the timeline of a mobility trace and a capture, driven through the emulated FMC
// network, and the report it gives. The CLI's `fmc replay` is a thin layer over this.

import FMCCapture
import FMCControl
import FMCCore
import FMCEmulation
import FMCIO
import FMCScenario
import FMCTimeline
import FMCTrace
import Foundation

public struct ReplayInputs {
    public var scenarioPath: String
    public var scenario: Scenario
    public var mobility: MobilityReader?
    public var mobilityPath: String?
    public var capturePath: String?
    public var filter: PacketFilter?
    public var timeline = TimelineOptions()
    public var settings = EmulationSettings()
    public var detailLimit = 10_000
    /// Without a capture, keep the flow tables and the measurements on the second core
    /// (`EmulationSettings.measureOnSecondThread`). Off only to check that both ways agree.
    public var secondThreadWithoutCapture = true
    /// Called now and then with the number of timeline events done (progress).
    public var progress: ((Int) -> Void)?
    /// Polled between events: when it returns true the replay stops early and the report is
    /// marked incomplete (SIGINT / SIGTERM).
    public var shouldStop: (() -> Bool)?

    public init(scenarioPath: String, scenario: Scenario) {
        self.scenarioPath = scenarioPath
        self.scenario = scenario
    }
}

public struct ReplayResult {
    public var emulator: Emulator
    public var attachments: AttachmentStats?
    public var inputs: [(role: String, file: String, sha256: String)]
    public var timelineEvents = 0
    public var complete = true
    public var syntheticNodes = 0
    public var unmappedPacketsSkipped = 0
    public var heldPackets = 0
    public var nonIPSkipped = 0
}

public enum Replay {
    /// The scenario as the chosen controller mode sees it: a preset of the other mode is
    /// rebuilt (centralized at `controllers.site`, else the first network's site).
    public static func scenario(_ s: Scenario, distributed: Bool) -> Scenario {
        guard (s.controllerMode == .distributed) != distributed else { return s }
        var t = s
        t.controllerMode = distributed ? .distributed : .centralized
        if distributed {
            t.controllers = s.networks.map { Controller(id: "c-\($0.name)", site: $0.site, networks: [$0.name]) }
        } else {
            t.controllers = [Controller(id: "c0", site: s.centralizedSite ?? s.networks[0].site, networks: s.networks.map(\.name))]
        }
        return t
    }

    public static func run(_ inputs: ReplayInputs) throws -> ReplayResult {
        let scenario = inputs.scenario
        var settings = inputs.settings
        // Without packets nothing reads the flow tables during the run: they and the
        // measurements are kept on the second core, in the same order (same results).
        settings.measureOnSecondThread = inputs.capturePath == nil && inputs.secondThreadWithoutCapture
        let emulator = Emulator(scenario: scenario, settings: settings)
        emulator.metrics.detailLimit = inputs.detailLimit
        // Input digests are computed on another thread while the replay runs (the second
        // core is otherwise idle for plain captures).
        var named: [(String, String)] = [("scenario", inputs.scenarioPath)]
        if let m = inputs.mobilityPath { named.append(("mobility", m)) }
        if let c = inputs.capturePath { named.append(("capture", c)) }
        let digests = DigestJob(paths: named.map(\.1))
        var result = ReplayResult(emulator: emulator, attachments: nil, inputs: [])

        // The capture's hosts, for the automatic node mapping (not needed for explicit pairs).
        var hosts: [IPAddress] = []
        if let c = inputs.capturePath, scenario.nodes.mode == .auto {
            let summary = CaptureInspector.inspect(c, filter: inputs.filter)
            if let e = summary.errors.first { throw e }
            var set = Set<IPAddress>()
            for (p, _) in summary.conversations.hostPairs() { set.insert(p.a); set.insert(p.b) }
            hosts = set.sorted()
        }
        let names = inputs.mobility?.nodes ?? NodeTable()
        let assigner = NodeAssigner(mapping: scenario.nodes, captureHosts: hosts, scenario: scenario, names: names)
        var synthetic = SyntheticAddresses(scenario: scenario, taken: Set(hosts).union(scenario.nodes.explicit.map(\.address)))
        // Trace node numbers are dense (NodeTable), so their addresses sit in an array.
        var addressOf: [IPAddress?] = []
        let networkIndex = Dictionary(uniqueKeysWithValues: scenario.networks.enumerated().map { ($1.name, $0) })

        let stream = try inputs.mobility.map { try AttachmentStream(reader: $0, scenario: scenario) }
        let timeline: Timeline?
        if let stream {
            timeline = try Timeline(attachments: stream, capture: inputs.capturePath, filter: inputs.filter, options: inputs.timeline)
        } else if inputs.capturePath != nil {
            // No mobility: every host stays at home; the replay measures the plain network.
            let empty = try AttachmentStream(reader: EmptyMobility(), scenario: nil)
            timeline = try Timeline(attachments: empty, capture: inputs.capturePath, filter: inputs.filter, options: inputs.timeline)
        } else {
            timeline = nil
        }
        // The timeline is read on a thread of its own, a few thousand events ahead.
        let reader = timeline.map { t in ReadAhead { try t.next() } }
        defer { reader?.finish() }
        var n = 0
        while let reader, let e = try reader.next() {
            switch e {
            case let .attachment(a):
                var address = a.node < addressOf.count ? addressOf[a.node] : nil
                if address == nil {
                    if let h = assigner.host(for: a.node) {
                        address = h
                    } else if let net = a.network.flatMap({ networkIndex[$0] }) {
                        // A trace node no capture host plays: it still moves (rules, messages),
                        // under an identifier of the first network it attaches to.
                        address = try synthetic.next(in: net, node: names.name(a.node) ?? "\(a.node)")
                        result.syntheticNodes += 1
                    }
                    if a.node >= addressOf.count { addressOf.append(contentsOf: repeatElement(nil, count: a.node + 1 - addressOf.count)) }
                    addressOf[a.node] = address
                }
                if let address { emulator.attachment(node: address, network: a.network.flatMap { networkIndex[$0] }, at: a.timeNs) }
            case let .packet(p):
                emulator.packet(EmulatedPacket(timeNs: p.timeNs, source: p.info.source, destination: p.info.destination, bytes: p.length))
            }
            n += 1
            // The stop flag is polled often (a timeline event can cost many emulated events,
            // and a slow build must still stop promptly); progress is reported rarely.
            if n & 0x3FF == 0 {
                if n & 0xFFFF == 0 { inputs.progress?(n) }
                if inputs.shouldStop?() == true { result.complete = false; break }
            }
        }
        reader?.finish()  // the timeline's counters are read below
        emulator.finish()
        let sums = digests.wait()
        result.inputs = zip(named, sums).map { ($0.0, $0.1, $1) }
        result.timelineEvents = n
        result.attachments = stream?.stats
        result.heldPackets = timeline?.heldPackets ?? 0
        result.nonIPSkipped = timeline?.skippedNonIP ?? 0
        return result
    }
}

/// Identifiers for trace nodes that no capture host plays: from the lower half of their
/// network's prefix (locators use the upper half), skipping addresses the capture uses.
struct SyntheticAddresses {
    let scenario: Scenario
    var taken: Set<IPAddress>
    var next: [Int: UInt64] = [:]

    init(scenario: Scenario, taken: Set<IPAddress>) {
        self.scenario = scenario
        self.taken = taken
    }

    mutating func next(in n: Int, node: String) throws -> IPAddress {
        let p = scenario.networks[n].prefix
        let hostBits = (p.address.isIPv4 ? 32 : 128) - p.length
        let half: UInt64 = hostBits >= 64 ? .max : (1 << UInt64(hostBits)) / 2
        while true {
            let k = next[n, default: 64]
            guard k < half else {
                throw InputError(file: scenario.file, place: .key("networks[\(n)].prefix", line: nil),
                                 message: "no identifier left in \(p) for trace node \(node): the prefix is too small for the trace's nodes")
            }
            next[n] = k + 1
            let a: IPAddress
            if p.address.isIPv4 { a = IPAddress(ipv4: p.address.ipv4Value + UInt32(k)) } else {
                var b = p.address
                b.low &+= k
                a = b
            }
            if taken.insert(a).inserted { return a }
        }
    }
}

/// No mobility at all (a capture-only replay).
final class EmptyMobility: MobilityReader {
    let path = "(none)"
    let format = MobilityFormat.attachments
    let nodes = NodeTable()
    let coordinates = Coordinates.cartesian
    let timeOrdered = true
    let records = 0
    let skippedLines = 0
    func next() throws -> MobilityRecord? { nil }
}

/// SHA-256 of files, computed on a background thread.
final class DigestJob: @unchecked Sendable {
    private var results: [String] = []
    private let done = NSCondition()
    private var finished = false

    init(paths: [String]) {
        let t = Thread { [self] in
            let r = paths.map { SHA256Digest.file($0) ?? "" }
            done.lock()
            results = r
            finished = true
            done.broadcast()
            done.unlock()
        }
        t.start()
    }

    func wait() -> [String] {
        done.lock()
        while !finished { done.wait() }
        done.unlock()
        return results
    }
}
