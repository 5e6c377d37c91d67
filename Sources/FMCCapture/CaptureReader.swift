// Streaming reader for classic pcap (all four header variants, plus the "modified" Kuznetsov
// variant) and pcapng (any number of sections and interfaces, per-interface timestamp
// resolution and offset, enhanced / simple / obsolete packet blocks), optionally under one or
// more gzip layers. The format is recognised by magic number, never by file name.
//
// Why a decoder of our own beside libpcap: libpcap cannot say where a file is damaged (it
// knows no byte offsets), cannot resynchronise after damage, and rejects pcapng sections whose
// interfaces have different link types. `LibpcapReader` keeps libpcap available as a second
// engine (`--engine libpcap`) and the tests hold the two to the same counts.

import FMCCore
import FMCIO

public enum CaptureFormat: String, Sendable {
    case pcap
    case pcapng
}

/// An interface as the capture describes it. pcap files have exactly one.
public struct CaptureInterface: Sendable {
    public var linkType: Int
    public var snapLength: Int
    public var name: String?
    /// 0-based pcapng section this interface belongs to.
    public var section: Int
    /// Timestamp units per second: 10^k or 2^k (pcapng `if_tsresol`), 10^6 or 10^9 for pcap.
    public var ticksPerSecond: UInt64
    /// Seconds added to every timestamp (pcapng `if_tsoffset`).
    public var offsetSeconds: Int64
}

/// One packet as read. `data` is valid only until the next call to `CaptureReader.next()`.
public struct RawPacket {
    public var timeNs: Int64
    /// Index into `CaptureReader.interfaces` (global across pcapng sections).
    public var interface: Int
    public var linkType: Int
    public var capturedLength: Int
    public var originalLength: Int
    public var data: UnsafeRawPointer
}

/// Damage found inside the decoder, before it is turned into an `InputError`.
struct Damage: Error {
    var message: String
    var place: InputPlace
    /// Stream offset where a resynchronising scan may start.
    var resumeFrom: Int64
    /// True when nothing follows the damage (the stream ended), so there is nothing to
    /// resynchronise to: lenient mode simply stops there.
    var atEnd: Bool
}

public struct CaptureOptions: Sendable {
    /// Skip damaged records where resynchronising is possible, instead of stopping.
    public var lenient: Bool = false
    public init(lenient: Bool = false) { self.lenient = lenient }
}

public final class CaptureReader {
    public let path: String
    public let options: CaptureOptions
    public private(set) var format: CaptureFormat = .pcap
    /// Human description of the header variant, e.g. "little-endian, microsecond".
    public private(set) var variant = ""
    /// Number of gzip layers around the capture (2 for a file gzipped twice).
    public private(set) var compressionLayers = 0
    public private(set) var interfaces: [CaptureInterface] = []
    /// Packet records returned so far.
    public private(set) var packets = 0
    /// Damage skipped in lenient mode, each naming where it was.
    public private(set) var damage: [InputError] = []
    public private(set) var skippedBytes: Int64 = 0
    /// pcapng blocks that are not packets (interface statistics, name resolution, custom,
    /// unknown...), by block type.
    public private(set) var otherBlocks: [UInt32: Int] = [:]
    public private(set) var sections = 0
    /// Timestamps that went backwards, and the first place it happened.
    public private(set) var backwardSteps = 0
    public private(set) var firstBackwardStep: InputError?
    /// Non-gzip bytes after the last gzip member (gzip(1) ignores them with a warning).
    public var trailingCompressedGarbage: Int64 { stream.trailingGarbage }

    private let stream: LayeredStream
    private let reader: ByteReader
    private var ended = false
    private var lastTime = Int64.min

    // classic pcap
    private var swapped = false
    private var recordHeaderLength = 16
    private var nanosecond = false
    private var pcapLimit = 262_144

    // pcapng
    private var blocks = 0
    private var sectionInterfaces: [Int] = []  // local interface id -> global index
    private var sectionSwapped = false
    /// Set when a section header was skipped as damaged: the blocks of that section cannot
    /// be interpreted (their interfaces are unknown), so they are skipped up to the next one.
    private var skippingSection = false

    /// Largest record or block fmc will buffer; declared lengths above it are damage.
    static let maxBlock = 64 << 20

    /// Opens `path` and reads its header(s). Throws `InputError` when the file cannot be
    /// opened or is not a capture.
    public init(path: String, options: CaptureOptions = CaptureOptions()) throws {
        self.path = path
        self.options = options
        stream = try LayeredStream(path: path)
        reader = stream.reader
        compressionLayers = stream.compressionLayers
        try detect()
    }

    // MARK: - format detection

    private func detect() throws {
        guard try stream.guarded({ try self.reader.ensure(4) }) else {
            let n = reader.available
            let what = compressionLayers > 0 ? "decompressed data" : "file"
            throw error(.byte(0), n == 0 ? "empty \(what): not a capture" : "\(what) is only \(n) bytes long: not a capture")
        }
        let magic = reader.pointer.loadUnaligned(as: UInt32.self)
        switch magic {
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0xA1B2_CD34, 0x34CD_B2A1:
            format = .pcap
            try readPcapHeader(magic)
        case 0x0A0D_0D0A:
            format = .pcapng
        default:
            throw error(.byte(0), notACapture(reader.pointer, reader.available))
        }
    }

    private func readPcapHeader(_ magic: UInt32) throws {
        guard try stream.guarded({ try self.reader.ensure(24) }) else {
            throw error(.byte(0), "pcap file header is truncated: \(reader.available) bytes, a header needs 24")
        }
        swapped = magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1 || magic == 0x34CD_B2A1
        nanosecond = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
        recordHeaderLength = (magic == 0xA1B2_CD34 || magic == 0x34CD_B2A1) ? 24 : 16
        let p = reader.pointer
        let major = u16(p, 4, swapped), minor = u16(p, 6, swapped)
        let snap = Int(u32(p, 16, swapped))
        let linkField = u32(p, 20, swapped)
        guard major == 2 else { throw error(.byte(4), "unsupported pcap version \(major).\(minor) (only 2.x exists)") }
        let bigEndian = (magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D || magic == 0xA1B2_CD34) == (1.bigEndian == 1)
        variant = (bigEndian ? "big-endian" : "little-endian") + ", " + (nanosecond ? "nanosecond" : "microsecond")
            + (recordHeaderLength == 24 ? ", modified (Kuznetsov) records" : "")
        // Snap length 0 (seen from some writers) means "unknown": fall back to libpcap's maximum.
        pcapLimit = (snap > 0 && snap <= CaptureReader.maxBlock) ? snap : 262_144
        interfaces = [CaptureInterface(
            linkType: Int(linkField & 0xFFFF), snapLength: snap, name: nil, section: 0,
            ticksPerSecond: nanosecond ? 1_000_000_000 : 1_000_000, offsetSeconds: 0)]
        sections = 1
        reader.skip(24)
    }

    // MARK: - reading

    /// The next packet, or nil at the end. Throws `InputError` on damage (strict mode) or on
    /// damage that cannot be skipped (lenient mode); packets read before it stay counted.
    public func next() throws -> RawPacket? {
        while !ended {
            do {
                let packet: RawPacket?
                switch format {
                case .pcap: packet = try nextPcap()
                case .pcapng: packet = try nextPcapngPacket()
                }
                guard let packet else { continue }
                packets += 1
                if packet.timeNs < lastTime {
                    backwardSteps += 1
                    if firstBackwardStep == nil {
                        firstBackwardStep = error(
                            .record(packets, offset: lastRecordOffset),
                            "timestamp goes backwards by \(formatSeconds(lastTime - packet.timeNs)) s")
                    }
                }
                lastTime = packet.timeNs
                return packet
            } catch let d as Damage {
                let e = error(d.place, d.message)
                guard options.lenient else { ended = true; throw e }
                damage.append(e)
                if d.atEnd {
                    ended = true
                    skippedBytes += try reader.drainCount()
                } else if try !resync(from: d.resumeFrom, damagedAt: d.place.offset ?? d.resumeFrom) {
                    ended = true
                }
            } catch let s as SourceError {
                ended = true
                let e = InputError(
                    file: path, place: s.fileOffset.map { .byte($0) } ?? .whole,
                    message: s.message + " (after \(packets) packets)")
                if options.lenient { damage.append(e); return nil }
                throw e
            }
        }
        return nil
    }

    private var lastRecordOffset: Int64 = 0

    @inline(__always)
    private func nextPcap() throws -> RawPacket? {
        let h = recordHeaderLength
        if try !reader.ensure(h) {
            ended = true
            if reader.available == 0 { return nil }
            let n = reader.available
            throw Damage(
                message: "\(n) stray bytes at the end: too few for a \(h)-byte record header",
                place: .record(packets + 1, offset: reader.position), resumeFrom: reader.position, atEnd: true)
        }
        let p = reader.pointer
        let sec = u32(p, 0, swapped), frac = u32(p, 4, swapped)
        let caplen = Int(u32(p, 8, swapped)), origlen = Int(u32(p, 12, swapped))
        let at = reader.position
        if caplen > pcapLimit {
            let why = interfaces[0].snapLength > 0
                ? "more than the file's snap length \(interfaces[0].snapLength)"
                : "more than the 262144-byte maximum"
            throw Damage(
                message: "record claims \(caplen) captured bytes, \(why)",
                place: .record(packets + 1, offset: at), resumeFrom: at + 1, atEnd: false)
        }
        if try !reader.ensure(h + caplen) {
            let remain = reader.available - h
            throw Damage(
                message: "record claims \(caplen) captured bytes, only \(remain) remain in the \(compressionLayers > 0 ? "decompressed data" : "file")",
                place: .record(packets + 1, offset: at), resumeFrom: at + 1, atEnd: true)
        }
        let q = reader.pointer
        let time = Int64(sec) &* 1_000_000_000 &+ (nanosecond ? Int64(frac) : Int64(frac) &* 1000)
        lastRecordOffset = at
        reader.skip(h + caplen)
        return RawPacket(
            timeNs: time, interface: 0, linkType: interfaces[0].linkType,
            capturedLength: caplen, originalLength: origlen, data: q + h)
    }

    /// Block types that lenient resynchronisation accepts as a fresh start.
    private static let knownBlocks: Set<UInt32> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x0A0D_0D0A, 0x0BAD, 0x4000_0BAD]

    private func nextPcapngPacket() throws -> RawPacket? {
        if try !reader.ensure(12) {
            ended = true
            if reader.available == 0 {
                if blocks == 0 { throw Damage(message: "no section header block", place: .byte(0), resumeFrom: 0, atEnd: true) }
                return nil
            }
            throw Damage(
                message: "\(reader.available) stray bytes at the end: too few for a block",
                place: .block(blocks + 1, offset: reader.position), resumeFrom: reader.position, atEnd: true)
        }
        let at = reader.position
        var p = reader.pointer
        let rawType = p.loadUnaligned(as: UInt32.self)
        if rawType == 0x0A0D_0D0A {
            try readSectionHeader(at)
            return nil
        }
        if blocks == 0 || sectionInterfacesUnset {
            throw Damage(message: "pcapng data does not start with a section header block",
                         place: .block(blocks + 1, offset: at), resumeFrom: at + 4, atEnd: false)
        }
        let type = sectionSwapped ? rawType.byteSwapped : rawType
        let length = Int(u32(p, 4, sectionSwapped))
        let index = blocks + 1
        if skippingSection, length >= 12, length % 4 == 0, length <= CaptureReader.maxBlock, try reader.ensure(length) {
            blocks += 1
            skippedBytes += Int64(length)
            reader.skip(length)
            return nil
        }
        guard length >= 12, length % 4 == 0, length <= CaptureReader.maxBlock else {
            throw Damage(
                message: "block of type \(blockName(type)) declares length \(length) "
                    + (length % 4 != 0 ? "(not a multiple of 4)" : length < 12 ? "(less than the 12-byte minimum)" : "(over \(CaptureReader.maxBlock) bytes)"),
                place: .block(index, offset: at), resumeFrom: at + 4, atEnd: false)
        }
        if try !reader.ensure(length) {
            throw Damage(
                message: "block of type \(blockName(type)) declares \(length) bytes, only \(reader.available) remain",
                place: .block(index, offset: at), resumeFrom: at + 4, atEnd: true)
        }
        p = reader.pointer
        let trailer = Int(u32(p, length - 4, sectionSwapped))
        guard trailer == length else {
            throw Damage(
                message: "block of type \(blockName(type)) has length \(length) at its start but \(trailer) at its end",
                place: .block(index, offset: at), resumeFrom: at + 4, atEnd: false)
        }
        blocks += 1
        switch type {
        case 6, 2:  // enhanced packet, obsolete packet
            guard length >= 32 else {
                throw Damage(message: "\(blockName(type)) block is \(length) bytes, shorter than its 32-byte minimum",
                             place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
            }
            let local = type == 6 ? Int(u32(p, 8, sectionSwapped)) : Int(u16(p, 8, sectionSwapped))
            let high = UInt64(u32(p, 12, sectionSwapped)), low = UInt64(u32(p, 16, sectionSwapped))
            let caplen = Int(u32(p, 20, sectionSwapped)), origlen = Int(u32(p, 24, sectionSwapped))
            guard local < sectionInterfaces.count else {
                throw Damage(message: "packet refers to interface \(local), but the section declared \(sectionInterfaces.count)",
                             place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
            }
            guard caplen <= length - 32 else {
                throw Damage(message: "packet claims \(caplen) captured bytes, its block holds only \(length - 32)",
                             place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
            }
            let g = sectionInterfaces[local]
            let iface = interfaces[g]
            lastRecordOffset = at
            reader.skip(length)
            return RawPacket(
                timeNs: timeNs(ticks: high << 32 | low, iface), interface: g, linkType: iface.linkType,
                capturedLength: caplen, originalLength: origlen, data: p + 28)
        case 3:  // simple packet: no timestamp, interface 0
            guard !sectionInterfaces.isEmpty else {
                throw Damage(message: "simple packet block before any interface description",
                             place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
            }
            guard length >= 16 else {
                throw Damage(message: "simple packet block is \(length) bytes, shorter than its 16-byte minimum",
                             place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
            }
            let g = sectionInterfaces[0]
            let iface = interfaces[g]
            let origlen = Int(u32(p, 8, sectionSwapped))
            var caplen = min(origlen, length - 16)
            if iface.snapLength > 0 { caplen = min(caplen, iface.snapLength) }
            lastRecordOffset = at
            reader.skip(length)
            // A simple packet carries no time: it inherits the previous packet's, as readers do.
            return RawPacket(
                timeNs: lastTime == Int64.min ? 0 : lastTime, interface: g, linkType: iface.linkType,
                capturedLength: caplen, originalLength: origlen, data: p + 12)
        case 1:
            try readInterface(p, length, index, at)
            reader.skip(length)
            return nil
        default:
            otherBlocks[type, default: 0] += 1
            reader.skip(length)
            return nil
        }
    }

    private var sectionInterfacesUnset: Bool { sections == 0 }

    private func readSectionHeader(_ at: Int64) throws {
        let index = blocks + 1
        guard try reader.ensure(28) else {
            throw Damage(message: "section header block is truncated (\(reader.available) bytes, at least 28 needed)",
                         place: .block(index, offset: at), resumeFrom: at + 4, atEnd: true)
        }
        let p = reader.pointer
        let bom = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        let swap: Bool
        switch bom {
        case 0x1A2B_3C4D: swap = false
        case 0x4D3C_2B1A: swap = true
        default:
            throw Damage(message: "section header has byte-order magic \(String(bom, radix: 16)), expected 1a2b3c4d",
                         place: .block(index, offset: at), resumeFrom: at + 4, atEnd: false)
        }
        let length = Int(u32(p, 4, swap))
        let major = u16(p, 12, swap), minor = u16(p, 14, swap)
        guard length >= 28, length % 4 == 0, length <= CaptureReader.maxBlock else {
            throw Damage(message: "section header block declares length \(length)",
                         place: .block(index, offset: at), resumeFrom: at + 4, atEnd: false)
        }
        guard major == 1 else {
            // Lenient mode then skips this whole section, not just its header.
            sectionInterfaces = []
            skippingSection = true
            throw Damage(message: "unsupported pcapng version \(major).\(minor); the section it starts is skipped in lenient mode",
                         place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
        }
        guard try reader.ensure(length) else {
            throw Damage(message: "section header block declares \(length) bytes, only \(reader.available) remain",
                         place: .block(index, offset: at), resumeFrom: at + 4, atEnd: true)
        }
        let q = reader.pointer
        let trailer = Int(u32(q, length - 4, swap))
        guard trailer == length else {
            throw Damage(message: "section header block has length \(length) at its start but \(trailer) at its end",
                         place: .block(index, offset: at), resumeFrom: at + 4, atEnd: false)
        }
        blocks += 1
        sections += 1
        skippingSection = false
        sectionSwapped = swap
        sectionInterfaces = []
        let endian = (swap == (1.bigEndian == 1)) ? "little-endian" : "big-endian"
        if variant.isEmpty { variant = endian } else if !variant.contains(endian) { variant += ", " + endian }
        reader.skip(length)
    }

    private func readInterface(_ p: UnsafeRawPointer, _ length: Int, _ index: Int, _ at: Int64) throws {
        guard length >= 20 else {
            throw Damage(message: "interface description block is \(length) bytes, shorter than its 20-byte minimum",
                         place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
        }
        let link = Int(u16(p, 8, sectionSwapped))
        let snap = Int(u32(p, 12, sectionSwapped))
        var ticks: UInt64 = 1_000_000
        var offset: Int64 = 0
        var name: String?
        var o = 16
        let end = length - 4
        while o + 4 <= end {
            let code = u16(p, o, sectionSwapped), len = Int(u16(p, o + 2, sectionSwapped))
            if code == 0 { break }
            guard o + 4 + len <= end else {
                throw Damage(message: "interface option \(code) runs past the end of its block",
                             place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
            }
            let v = p + o + 4
            switch code {
            case 2 where len > 0:
                name = String(decoding: UnsafeRawBufferPointer(start: v, count: len), as: UTF8.self)
                    .trimmingCharacters(in: ["\0"])
            case 9 where len >= 1:
                let r = v.load(as: UInt8.self)
                let exponent = UInt64(r & 0x7F)
                if r & 0x80 != 0 {
                    guard exponent < 64 else {
                        throw Damage(message: "if_tsresol 2^-\(exponent) is out of range",
                                     place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
                    }
                    ticks = 1 << exponent
                } else {
                    guard exponent <= 19 else {
                        throw Damage(message: "if_tsresol 10^-\(exponent) is out of range",
                                     place: .block(index, offset: at), resumeFrom: at + Int64(length), atEnd: false)
                    }
                    ticks = 1
                    for _ in 0..<exponent { ticks *= 10 }
                }
            case 14 where len >= 8:
                let raw = v.loadUnaligned(as: UInt64.self)
                offset = Int64(bitPattern: sectionSwapped ? raw.byteSwapped : raw)
            default: break
            }
            o += 4 + ((len + 3) & ~3)
        }
        sectionInterfaces.append(interfaces.count)
        interfaces.append(CaptureInterface(
            linkType: link, snapLength: snap, name: name, section: sections - 1,
            ticksPerSecond: ticks, offsetSeconds: offset))
    }

    @inline(__always)
    private func timeNs(ticks: UInt64, _ iface: CaptureInterface) -> Int64 {
        let t = iface.ticksPerSecond
        let ns: UInt64
        if t == 1_000_000 {
            ns = ticks &* 1000
        } else if t == 1_000_000_000 {
            ns = ticks
        } else {
            let sec = ticks / t, frac = ticks % t
            let (hi, lo) = frac.multipliedFullWidth(by: 1_000_000_000)
            ns = sec &* 1_000_000_000 &+ t.dividingFullWidth((hi, lo)).quotient
        }
        return Int64(bitPattern: ns) &+ iface.offsetSeconds &* 1_000_000_000
    }

    // MARK: - lenient resynchronisation

    /// Scans forward from `offset` for the next plausible record or block; true if found.
    private func resync(from offset: Int64, damagedAt skippedFrom: Int64) throws -> Bool {
        if reader.position < offset { _ = try reader.advance(offset - reader.position) }
        let step = format == .pcapng ? 4 : 1
        // pcapng blocks start 4-byte aligned relative to the damaged block's start.
        if format == .pcapng {
            let misalign = Int((reader.position - skippedFrom) % 4)
            if misalign != 0 { _ = try reader.advance(Int64(4 - misalign)) }
        }
        while true {
            let need = format == .pcap ? recordHeaderLength * 2 : 12
            if try !reader.ensure(need) {
                // Fewer bytes than a next header would need: accept a last record that ends
                // exactly at the end of the stream, otherwise give up.
                if format == .pcap, reader.available >= recordHeaderLength, plausiblePcap(reader.pointer, reader.available, requireNext: false) {
                    skippedBytes += reader.position - skippedFrom
                    return true
                }
                skippedBytes += reader.position - skippedFrom + Int64(reader.available)
                reader.skip(reader.available)
                return false
            }
            if format == .pcap {
                if plausiblePcap(reader.pointer, reader.available, requireNext: true) { break }
                // The next header may lie beyond the buffered bytes: make sure the whole
                // candidate record plus the following header is buffered before rejecting.
                let caplen = Int(u32(reader.pointer, 8, swapped))
                if caplen <= pcapLimit, reader.available < 2 * recordHeaderLength + caplen {
                    if try reader.ensure(2 * recordHeaderLength + caplen) {
                        if plausiblePcap(reader.pointer, reader.available, requireNext: true) { break }
                    } else if plausiblePcap(reader.pointer, reader.available, requireNext: false) {
                        break
                    }
                }
            } else if try plausibleBlock() {
                break
            }
            reader.skip(step)
        }
        skippedBytes += reader.position - skippedFrom
        return true
    }

    private func plausiblePcap(_ p: UnsafeRawPointer, _ available: Int, requireNext: Bool) -> Bool {
        func ok(_ q: UnsafeRawPointer) -> Bool {
            let sec = Int64(u32(q, 0, swapped)), frac = u32(q, 4, swapped)
            let caplen = Int(u32(q, 8, swapped)), orig = Int(u32(q, 12, swapped))
            guard caplen <= pcapLimit, orig >= caplen, orig <= max(pcapLimit, 262_144) * 4 else { return false }
            guard frac < (nanosecond ? 1_000_000_000 : 1_000_000) else { return false }
            if lastTime != Int64.min {
                let last = lastTime / 1_000_000_000
                guard sec >= last - 86_400, sec <= last + 86_400 * 366 else { return false }
            }
            return true
        }
        guard ok(p) else { return false }
        let caplen = Int(u32(p, 8, swapped))
        let next = recordHeaderLength + caplen
        if available == next { return true }  // ends exactly at the end of the stream
        if available >= next + recordHeaderLength { return ok(p + next) }
        return !requireNext
    }

    private func plausibleBlock() throws -> Bool {
        let p = reader.pointer
        let raw = p.loadUnaligned(as: UInt32.self)
        if raw == 0x0A0D_0D0A {
            let bom = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            return bom == 0x1A2B_3C4D || bom == 0x4D3C_2B1A
        }
        let type = sectionSwapped ? raw.byteSwapped : raw
        guard CaptureReader.knownBlocks.contains(type) else { return false }
        let length = Int(u32(p, 4, sectionSwapped))
        guard length >= 12, length % 4 == 0, length <= CaptureReader.maxBlock else { return false }
        guard try reader.ensure(length) else { return false }
        return Int(u32(reader.pointer, length - 4, sectionSwapped)) == length
    }

    // MARK: - helpers

    private func error(_ place: InputPlace, _ message: String) -> InputError {
        InputError(file: path, place: place, message: message, offsetIsDecompressed: compressionLayers > 0)
    }


    private func blockName(_ type: UInt32) -> String {
        switch type {
        case 1: return "1 (interface description)"
        case 2: return "2 (obsolete packet)"
        case 3: return "3 (simple packet)"
        case 4: return "4 (name resolution)"
        case 5: return "5 (interface statistics)"
        case 6: return "6 (enhanced packet)"
        default: return "0x" + String(type, radix: 16)
        }
    }
}

extension InputPlace {
    /// The byte offset this place names, if any.
    var offset: Int64? {
        switch self {
        case let .record(_, o), let .block(_, o), let .byte(o): return o
        default: return nil
        }
    }
}

@inline(__always)
func u32(_ p: UnsafeRawPointer, _ o: Int, _ swap: Bool) -> UInt32 {
    let v = p.loadUnaligned(fromByteOffset: o, as: UInt32.self)
    return swap ? v.byteSwapped : v
}

@inline(__always)
func u16(_ p: UnsafeRawPointer, _ o: Int, _ swap: Bool) -> UInt16 {
    let v = p.loadUnaligned(fromByteOffset: o, as: UInt16.self)
    return swap ? v.byteSwapped : v
}

/// Says what the first bytes of a non-capture look like, for the error message.
func notACapture(_ p: UnsafeRawPointer, _ available: Int) -> String {
    var bytes: [String] = []
    var text = ""
    for i in 0..<min(available, 8) {
        let b = p.load(fromByteOffset: i, as: UInt8.self)
        bytes.append(hex2(b))
        text.append(b >= 0x20 && b < 0x7F ? Character(UnicodeScalar(b)) : ".")
    }
    return "not a capture file: it starts with \(bytes.joined(separator: " ")) (\"\(text)\"); "
        + "expected the magic number of pcap (a1b2c3d4 or a1b23c4d, either byte order), pcapng (0a0d0d0a) or gzip (1f8b)"
}

func hex2(_ b: UInt8) -> String {
    let s = String(b, radix: 16)
    return s.count == 1 ? "0" + s : s
}

extension CaptureReader {
    /// Whether `path` starts (after any gzip layers) like a pcap or pcapng file. A file that
    /// cannot be opened counts as a capture, so the capture path reports why.
    public static func looksLikeCapture(path: String) -> Bool {
        guard let s = try? LayeredStream(path: path) else { return true }
        guard (try? s.guarded({ try s.reader.ensure(4) })) == true else { return s.reader.available == 0 && s.compressionLayers == 0 }
        switch s.reader.pointer.loadUnaligned(as: UInt32.self) {
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0xA1B2_CD34, 0x34CD_B2A1, 0x0A0D_0D0A: return true
        default: return false
        }
    }
}
