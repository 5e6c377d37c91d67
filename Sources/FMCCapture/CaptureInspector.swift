// Reads one capture end to end and accumulates what `fmc inspect` reports: counts by network
// and transport, the time span, the conversation table, damage and warnings.
//
// The summary survives damage: when reading stops on an error, everything counted before it
// is still in the summary, and the error is listed beside it (exit status 1 in the CLI).

import FMCCore
import FMCIO

/// What a packet reader engine provides; the native decoder and libpcap both do.
public protocol PacketSource: AnyObject {
    var path: String { get }
    var formatName: String { get }
    var variant: String { get }
    var compressionLayers: Int { get }
    var interfaces: [CaptureInterface] { get }
    var damage: [InputError] { get }
    var skippedBytes: Int64 { get }
    var backwardSteps: Int { get }
    var firstBackwardStep: InputError? { get }
    var warnings: [InputError] { get }
    func next() throws -> RawPacket?
}

extension CaptureReader: PacketSource {
    public var formatName: String { format.rawValue }
    public var warnings: [InputError] {
        var w: [InputError] = []
        if trailingCompressedGarbage > 0 {
            w.append(InputError(file: path, place: .whole,
                                message: "\(trailingCompressedGarbage) bytes after the gzip data were ignored"))
        }
        // Name resolution (4) and interface statistics (5) are expected and carry nothing fmc
        // needs; anything else skipped is worth a word.
        let other = otherBlocks.filter { ![4, 5].contains($0.key) }
        if !other.isEmpty {
            let list = other.sorted { $0.key < $1.key }.map { "0x\(String($0.key, radix: 16)) ×\($0.value)" }
            w.append(InputError(file: path, place: .whole,
                                message: "skipped pcapng blocks of types fmc does not use: \(list.joined(separator: ", "))"))
        }
        return w
    }
}

public enum CaptureEngine: String, Sendable, CaseIterable {
    /// fmc's own streaming decoder: byte offsets in errors, lenient resynchronisation,
    /// pcapng sections whose interfaces differ in link type.
    case native
    /// libpcap's savefile reader (pcap_open_offline / pcap_fopen_offline over zlib).
    case libpcap
}

public struct InspectOptions: Sendable {
    public var lenient = false
    public var engine: CaptureEngine = .native
    /// Treat warnings (timestamps going backwards, empty capture, ...) as errors.
    public var strict = false
    public init() {}
}

public struct CaptureSummary {
    public var file: String
    public var format = ""
    public var variant = ""
    public var compressionLayers = 0
    public var interfaces: [CaptureInterface] = []
    public var filter: String?
    /// Every packet record read, matching the filter or not.
    public var records = 0
    /// Packets that matched the filter (all records without one).
    public var packets = 0
    public var capturedBytes: UInt64 = 0
    public var originalBytes: UInt64 = 0
    public var ipv4 = 0
    public var ipv6 = 0
    public var nonIP = 0
    public var malformed = 0
    public var undecoded = 0
    public var fragments = 0
    public var transportTruncated = 0
    public var vlanTagged = 0
    /// IP-in-IP packets; their inner conversations are in the table beside the outer ones.
    public var tunneled = 0
    /// Packets per IP protocol number.
    public var byProtocol: [UInt8: Int] = [:]
    /// Non-IP packets per EtherType.
    public var nonIPByType: [UInt16: Int] = [:]
    /// Packets of link types fmc does not decode, per link type.
    public var undecodedByLinkType: [Int: Int] = [:]
    public var firstNs: Int64?
    public var lastNs: Int64?
    public var conversations = ConversationTable()
    /// What stopped reading (or made the result incomplete). Non-empty means exit status 1.
    public var errors: [InputError] = []
    /// Damage skipped in lenient mode.
    public var damage: [InputError] = []
    public var skippedBytes: Int64 = 0
    /// Oddities that do not stop reading (errors under `--strict`).
    public var warnings: [InputError] = []
    public var backwardSteps = 0

    public init(file: String) { self.file = file }

    public var ok: Bool { errors.isEmpty }
}

public enum CaptureInspector {
    /// Opens `path` with the chosen engine; the error is an `InputError` naming the file.
    public static func open(_ path: String, options: InspectOptions) throws -> PacketSource {
        switch options.engine {
        case .native: return try CaptureReader(path: path, options: CaptureOptions(lenient: options.lenient))
        case .libpcap: return try LibpcapReader(path: path)
        }
    }

    /// Reads the whole capture. Never throws: failures land in `summary.errors`.
    public static func inspect(
        _ path: String, options: InspectOptions = InspectOptions(), filter: PacketFilter? = nil,
        progress: ((Int) -> Void)? = nil
    ) -> CaptureSummary {
        var s = CaptureSummary(file: path)
        s.filter = filter?.expression
        let source: PacketSource
        do {
            source = try open(path, options: options)
        } catch let e as InputError {
            s.errors.append(e)
            return s
        } catch {
            s.errors.append(InputError(file: path, place: .whole, message: "\(error)"))
            return s
        }
        var stopped: InputError?
        // Hot-loop state lives in locals; folded into the summary once at the end.
        var records = 0, packets = 0, ipv4 = 0, ipv6 = 0, nonIP = 0, malformed = 0, undecoded = 0
        var fragments = 0, truncated = 0, vlan = 0, tunneled = 0
        var captured: UInt64 = 0, original: UInt64 = 0
        var first = Int64.max, last = Int64.min
        let protocols = UnsafeMutablePointer<Int>.allocate(capacity: 256)
        protocols.initialize(repeating: 0, count: 256)
        defer { protocols.deallocate() }
        var nonIPTypes: [UInt16: Int] = [:]
        var undecodedLinks: [Int: Int] = [:]
        let table = s.conversations
        var info = PacketInfo()
        do {
            while let packet = try source.next() {
                records += 1
                if let filter {
                    let iface = source.interfaces[packet.interface]
                    let program = try filter.program(for: packet.linkType, snapLength: iface.snapLength)
                    if !filter.matches(packet, program: program) { continue }
                }
                packets += 1
                captured &+= UInt64(packet.capturedLength)
                original &+= UInt64(packet.originalLength)
                if packet.timeNs < first { first = packet.timeNs }
                if packet.timeNs > last { last = packet.timeNs }
                PacketDecoder.decode(packet, into: &info)
                if info.vlanTags > 0 { vlan += 1 }
                switch info.network {
                case .ipv4, .ipv6:
                    if info.network == .ipv4 { ipv4 += 1 } else { ipv6 += 1 }
                    protocols[Int(info.ipProtocol)] += 1
                    if info.fragment != .none { fragments += 1 }
                    if info.transportTruncated { truncated += 1 }
                    table.add(
                        source: info.source, sourcePort: info.sourcePort,
                        destination: info.destination, destinationPort: info.destinationPort,
                        ipProtocol: info.ipProtocol, laterFragment: info.fragment == .later,
                        bytes: packet.originalLength, time: packet.timeNs)
                    if info.tunneled {
                        tunneled += 1
                        table.add(
                            source: info.innerSource, sourcePort: info.innerSourcePort,
                            destination: info.innerDestination, destinationPort: info.innerDestinationPort,
                            ipProtocol: info.innerProtocol, laterFragment: info.innerLaterFragment,
                            bytes: packet.originalLength, time: packet.timeNs)
                    }
                case .nonIP:
                    nonIP += 1
                    nonIPTypes[info.etherType, default: 0] += 1
                case .malformed:
                    malformed += 1
                case .unsupportedLink:
                    undecoded += 1
                    undecodedLinks[packet.linkType, default: 0] += 1
                }
                if let progress, packets & 0x3FFFF == 0 { progress(packets) }
            }
        } catch let e as InputError {
            stopped = e
        } catch {
            stopped = InputError(file: path, place: .whole, message: "\(error)")
        }
        s.format = source.formatName
        s.variant = source.variant
        s.compressionLayers = source.compressionLayers
        s.interfaces = source.interfaces
        s.records = records
        s.packets = packets
        s.capturedBytes = captured
        s.originalBytes = original
        s.ipv4 = ipv4
        s.ipv6 = ipv6
        s.nonIP = nonIP
        s.malformed = malformed
        s.undecoded = undecoded
        s.fragments = fragments
        s.transportTruncated = truncated
        s.vlanTagged = vlan
        s.tunneled = tunneled
        for i in 0..<256 where protocols[i] > 0 { s.byProtocol[UInt8(i)] = protocols[i] }
        s.nonIPByType = nonIPTypes
        s.undecodedByLinkType = undecodedLinks
        if packets > 0 { s.firstNs = first; s.lastNs = last }
        s.damage = source.damage
        s.skippedBytes = source.skippedBytes
        s.backwardSteps = source.backwardSteps
        if let e = stopped { s.errors.append(e) }
        for (link, count) in undecodedLinks.sorted(by: { $0.key < $1.key }) {
            s.errors.append(InputError(
                file: path, place: .whole,
                message: "link type \(link) (\(PacketDecoder.linkTypeName(link))) is not supported: "
                    + "\(count) packets counted but not decoded"))
        }
        var warnings = source.warnings
        if var b = source.firstBackwardStep {
            b.message += " (the first of \(source.backwardSteps) backward steps)"
            warnings.append(b)
        }
        if records == 0 && stopped == nil {
            warnings.append(InputError(file: path, place: .whole, message: "the capture has a header but no packet records"))
        }
        if options.strict { s.errors += warnings }
        s.warnings = warnings
        return s
    }
}
