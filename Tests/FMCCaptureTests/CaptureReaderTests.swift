// The capture reader on byte fixtures: every header variant and block type, gzip layers,
// and every kind of damage, strict and lenient.

import FMCCore
import Testing

@testable import FMCCapture

/// Reads every packet of `path`; returns them (copied) and the error that stopped reading.
func readAll(_ path: String, lenient: Bool = false) -> (packets: [(RawPacket, [UInt8])], reader: CaptureReader?, error: InputError?) {
    var out: [(RawPacket, [UInt8])] = []
    let reader: CaptureReader
    do {
        reader = try CaptureReader(path: path, options: CaptureOptions(lenient: lenient))
    } catch {
        return ([], nil, error as? InputError)
    }
    do {
        while let p = try reader.next() {
            out.append((p, Array(UnsafeRawBufferPointer(start: p.data, count: p.capturedLength))))
        }
    } catch {
        return (out, reader, error as? InputError)
    }
    return (out, reader, nil)
}

@Suite("classic pcap")
struct PcapTests {
    @Test("all header variants read the same packets and times",
          arguments: [(false, false, false), (true, false, false), (false, true, false), (true, true, false),
                      (false, false, true), (true, false, true)])
    func variants(bigEndian: Bool, nanosecond: Bool, modified: Bool) throws {
        let dir = TempDir()
        var b = PcapBuilder(bigEndian: bigEndian, nanosecond: nanosecond, modified: modified)
        let f1 = Frame.udp4(1, 2), f2 = Frame.udp4(3, 4, sport: 5, dport: 6)
        b.record(sec: 1_700_000_000, frac: nanosecond ? 123_456_789 : 123_456, f1)
        b.record(sec: 1_700_000_001, frac: 0, f2, origlen: 1500)
        let r = readAll(dir.write("v.pcap", b.bytes))
        #expect(r.error == nil)
        #expect(r.packets.count == 2)
        #expect(r.reader?.format == .pcap)
        #expect(r.packets[0].0.timeNs == 1_700_000_000_000_000_000 + (nanosecond ? 123_456_789 : 123_456_000))
        #expect(r.packets[1].0.timeNs == 1_700_000_001_000_000_000)
        #expect(r.packets[0].1 == f1)
        #expect(r.packets[1].1 == f2)
        #expect(r.packets[1].0.originalLength == 1500)
        #expect(r.reader?.variant.contains(bigEndian ? "big-endian" : "little-endian") == true)
        #expect(r.reader?.variant.contains(nanosecond ? "nanosecond" : "microsecond") == true)
    }

    @Test("a file that is only a header has no packets and says so")
    func headerOnly() {
        let dir = TempDir()
        let path = dir.write("h.pcap", PcapBuilder().bytes)
        let s = CaptureInspector.inspect(path)
        #expect(s.ok)
        #expect(s.packets == 0)
        #expect(s.warnings.contains { $0.message.contains("no packet records") })
        var strict = InspectOptions()
        strict.strict = true
        #expect(!CaptureInspector.inspect(path, options: strict).ok)
    }

    @Test("a truncated file header is an error at byte 0")
    func truncatedHeader() {
        let dir = TempDir()
        let path = dir.write("t.pcap", Array(PcapBuilder().bytes.prefix(10)))
        let r = readAll(path)
        #expect(r.error?.place == .byte(0))
        #expect(r.error?.description.contains("t.pcap") == true)
        #expect(r.error?.message.contains("truncated") == true)
    }

    @Test("text, garbage and empty files are not captures")
    func notCaptures() {
        let dir = TempDir()
        for (name, bytes) in [("text.pcap", Array("hello, this is text\n".utf8)), ("empty.pcap", []),
                              ("two.pcap", [0xD4, 0xC3])] {
            let r = readAll(dir.write(name, bytes))
            #expect(r.error != nil, "\(name)")
            #expect(r.error?.description.contains(name) == true)
        }
        let text = readAll(dir.write("t2.pcap", Array("hello".utf8)))
        #expect(text.error?.message.contains("68 65 6c 6c 6f") == true)
    }

    @Test("a record longer than the snap length is damage naming record and offset")
    func overSnap() {
        let dir = TempDir()
        var b = PcapBuilder(snaplen: 100)
        b.record(sec: 1, frac: 0, Frame.udp4(1, 2))
        b.record(sec: 2, frac: 0, [UInt8](repeating: 0, count: 200))
        let r = readAll(dir.write("s.pcap", b.bytes))
        #expect(r.packets.count == 1)
        let offset = Int64(24 + 16 + Frame.udp4(1, 2).count)
        #expect(r.error?.place == .record(2, offset: offset))
        #expect(r.error?.message.contains("snap length 100") == true)
    }

    @Test("a record longer than what remains: error in strict mode, skipped at the end in lenient mode")
    func truncatedRecord() {
        let dir = TempDir()
        var b = PcapBuilder()
        b.record(sec: 1, frac: 0, Frame.udp4(1, 2))
        b.record(sec: 2, frac: 0, Frame.udp4(1, 2))
        let path = dir.write("r.pcap", Array(b.bytes.dropLast(5)))
        let strict = readAll(path)
        #expect(strict.packets.count == 1)
        #expect(strict.error?.message.contains("only") == true)
        let lenient = readAll(path, lenient: true)
        #expect(lenient.error == nil)
        #expect(lenient.packets.count == 1)
        #expect(lenient.reader?.damage.count == 1)
    }

    @Test("stray bytes after the last record")
    func strayBytes() {
        let dir = TempDir()
        var b = PcapBuilder()
        b.record(sec: 1, frac: 0, Frame.udp4(1, 2))
        let path = dir.write("x.pcap", b.bytes + [1, 2, 3, 4, 5, 6, 7])
        let r = readAll(path)
        #expect(r.packets.count == 1)
        #expect(r.error?.message.contains("7 stray bytes") == true)
    }

    @Test("lenient mode resynchronises after a damaged record header in the middle")
    func resync() {
        let dir = TempDir()
        var b = PcapBuilder(snaplen: 2000)
        for i in 0..<10 { b.record(sec: 100 + UInt32(i), frac: 0, Frame.udp4(UInt8(i), 9)) }
        var bytes = b.bytes
        let recordLength = 16 + Frame.udp4(0, 9).count
        let fifth = 24 + 4 * recordLength
        // Corrupt record 5's caplen field to an impossible value.
        bytes[fifth + 8] = 0xFF; bytes[fifth + 9] = 0xFF; bytes[fifth + 10] = 0xFF; bytes[fifth + 11] = 0x7F
        let path = dir.write("m.pcap", bytes)
        let strict = readAll(path)
        #expect(strict.packets.count == 4)
        #expect(strict.error?.place == .record(5, offset: Int64(fifth)))
        let lenient = readAll(path, lenient: true)
        #expect(lenient.error == nil)
        #expect(lenient.packets.count == 9)
        #expect(lenient.reader?.damage.count == 1)
        #expect(lenient.reader?.skippedBytes == Int64(recordLength))
        #expect(lenient.packets.last?.0.timeNs == 109_000_000_000)
    }

    @Test("timestamps going backwards are a warning naming the first place")
    func backwards() {
        let dir = TempDir()
        var b = PcapBuilder()
        b.record(sec: 10, frac: 0, Frame.udp4(1, 2))
        b.record(sec: 9, frac: 500_000, Frame.udp4(1, 2))
        b.record(sec: 11, frac: 0, Frame.udp4(1, 2))
        let s = CaptureInspector.inspect(dir.write("b.pcap", b.bytes))
        #expect(s.ok)
        #expect(s.backwardSteps == 1)
        let w = s.warnings.first { $0.message.contains("backwards") }
        #expect(w?.place == .record(2, offset: Int64(24 + 16 + Frame.udp4(1, 2).count)))
        #expect(s.firstNs == 9_500_000_000)
        #expect(s.lastNs == 11_000_000_000)
    }

    @Test("an unsupported pcap version is an error")
    func version() {
        let dir = TempDir()
        let r = readAll(dir.write("v.pcap", PcapBuilder(major: 3).bytes))
        #expect(r.error?.message.contains("version 3") == true)
    }
}

@Suite("pcapng")
struct PcapngTests {
    @Test("sections, interfaces, resolutions and packet block kinds", arguments: [false, true])
    func blocks(bigEndian: Bool) throws {
        let dir = TempDir()
        var b = PcapngBuilder(bigEndian: bigEndian)
        b.section()
        b.interface(linkType: 1, snaplen: 65535, name: "eth0")
        b.interface(linkType: 101, snaplen: 0, tsresol: 9, tsoffset: 10)
        b.interface(linkType: 1, tsresol: 0x80 | 10)  // 2^-10 s ticks
        b.enhanced(interface: 0, ticks: 1_500_000, Frame.udp4(1, 2))
        b.enhanced(interface: 1, ticks: 2_000_000_001, Frame.ipv4(1, 2, proto: 17, Frame.udp(1, 2)))
        b.enhanced(interface: 2, ticks: 1024 * 3 + 512, Frame.udp4(3, 4))
        b.block(5) { $0.u32(0); $0.u32(0); $0.u32(0) }  // interface statistics: skipped quietly
        b.block(0x4000_0BAD) { $0.u32(12345) }  // custom block: skipped with a warning
        b.simple(Frame.udp4(5, 6))
        b.obsolete(interface: 1, ticks: 7, Frame.ipv4(1, 2, proto: 6, Frame.tcp(1, 2)))
        // A second section: interfaces start again from 0.
        b.section()
        b.interface(linkType: 113)
        b.enhanced(interface: 0, ticks: 42, [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00] + Frame.ipv4(5, 6, proto: 17, Frame.udp(7, 8)))
        let path = dir.write("b.pcapng", b.bytes)
        let r = readAll(path)
        #expect(r.error == nil)
        #expect(r.reader?.format == .pcapng)
        #expect(r.reader?.sections == 2)
        #expect(r.reader?.interfaces.count == 4)
        #expect(r.reader?.interfaces[0].name == "eth0")
        #expect(r.packets.map(\.0.interface) == [0, 1, 2, 0, 1, 3])
        #expect(r.packets.map(\.0.linkType) == [1, 101, 1, 1, 101, 113])
        #expect(r.packets[0].0.timeNs == 1_500_000_000)  // default microseconds
        #expect(r.packets[1].0.timeNs == 2_000_000_001 + 10_000_000_000)  // ns + 10 s offset
        #expect(r.packets[2].0.timeNs == 3_500_000_000)  // 2^-10 ticks
        #expect(r.packets[3].0.timeNs == 3_500_000_000)  // simple packet inherits the time
        #expect(r.packets[4].0.timeNs == 10_000_000_007)
        #expect(r.reader?.otherBlocks[5] == 1)
        let s = CaptureInspector.inspect(path)
        #expect(s.ok)
        #expect(s.packets == 6)
        #expect(s.ipv4 == 6)
        #expect(s.linkTypes == [1, 101, 113])
        #expect(s.warnings.contains { $0.message.contains("0x40000bad") })
    }

    @Test("a block whose trailing length disagrees is damage; lenient mode goes on")
    func badTrailer() {
        let dir = TempDir()
        var b = PcapngBuilder()
        b.section()
        b.interface()
        b.enhanced(ticks: 1, Frame.udp4(1, 2))
        let damagedAt = b.bytes.count
        b.enhanced(ticks: 2, Frame.udp4(1, 2))
        b.enhanced(ticks: 3, Frame.udp4(1, 2))
        var bytes = b.bytes
        let secondLength = (bytes.count - damagedAt) / 2
        bytes[damagedAt + secondLength - 4] ^= 0x40
        let path = dir.write("t.pcapng", bytes)
        let strict = readAll(path)
        #expect(strict.packets.count == 1)
        #expect(strict.error?.place == .block(4, offset: Int64(damagedAt)))  // SHB, IDB, EPB, then this one
        #expect(strict.error?.message.contains("at its end") == true)
        let lenient = readAll(path, lenient: true)
        #expect(lenient.packets.count == 2)
        #expect(lenient.packets.last?.0.timeNs == 3000)
        #expect(lenient.reader?.damage.count == 1)
    }

    @Test("a packet naming an interface the section never declared")
    func unknownInterface() {
        let dir = TempDir()
        var b = PcapngBuilder()
        b.section()
        b.interface()
        b.enhanced(interface: 3, ticks: 1, Frame.udp4(1, 2))
        let r = readAll(dir.write("i.pcapng", b.bytes))
        #expect(r.error?.message.contains("interface 3") == true)
    }

    @Test("truncated block at the end")
    func truncated() {
        let dir = TempDir()
        var b = PcapngBuilder()
        b.section()
        b.interface()
        b.enhanced(ticks: 1, Frame.udp4(1, 2))
        b.enhanced(ticks: 2, Frame.udp4(1, 2))
        let r = readAll(dir.write("e.pcapng", Array(b.bytes.dropLast(10))))
        #expect(r.packets.count == 1)
        #expect(r.error?.message.contains("remain") == true)
    }

    @Test("data that does not start with a section header")
    func noSection() {
        let dir = TempDir()
        var b = PcapngBuilder()
        b.section()
        b.interface()
        var bytes = b.bytes
        bytes[8] = 0  // break the byte-order magic
        let r = readAll(dir.write("n.pcapng", bytes))
        #expect(r.error?.message.contains("byte-order magic") == true)
    }
}

@Suite("gzip")
struct GzipTests {
    func sample() -> [UInt8] {
        var b = PcapBuilder()
        for i in 0..<200 { b.record(sec: UInt32(i), frac: 0, Frame.udp4(UInt8(i % 7), 2)) }
        return b.bytes
    }

    @Test("one and two layers are read through", arguments: [1, 2])
    func layers(_ n: Int) throws {
        let dir = TempDir()
        let path = try dir.gzip("g.pcap", sample(), layers: n)
        let r = readAll(path)
        #expect(r.error == nil)
        #expect(r.reader?.compressionLayers == n)
        #expect(r.packets.count == 200)
        let s = CaptureInspector.inspect(path)
        #expect(s.compressionLayers == n)
        #expect(s.packets == 200)
    }

    @Test("a truncated gzip stream keeps what was read and names the compressed offset")
    func truncated() throws {
        let dir = TempDir()
        var big = PcapBuilder()
        var rng = SeededBytes(state: 7)
        for i in 0..<3000 { big.record(sec: UInt32(i), frac: 0, Frame.udp4(1, 2, sport: 1, dport: 2) + rng.bytes(200)) }
        let path = try dir.gzip("t.pcap", big.bytes)
        let full = try [UInt8](contentsOf: path)
        let cut = dir.write("cut.pcap.gz", Array(full.prefix(full.count / 2)))
        let s = CaptureInspector.inspect(cut)
        #expect(!s.ok)
        #expect(s.packets > 0 && s.packets < 3000)
        #expect(s.errors.first?.message.contains("truncated") == true)
        #expect(s.errors.first?.description.contains("cut.pcap.gz") == true)
    }

    @Test("concatenated gzip members read as one stream")
    func members() throws {
        let dir = TempDir()
        let bytes = sample()
        let a = try [UInt8](contentsOf: dir.gzip("a", Array(bytes.prefix(1000))))
        let b = try [UInt8](contentsOf: dir.gzip("b", Array(bytes.dropFirst(1000))))
        let r = readAll(dir.write("ab.pcap.gz", a + b))
        #expect(r.error == nil)
        #expect(r.packets.count == 200)
    }
}

extension Array where Element == UInt8 {
    init(contentsOf path: String) throws {
        guard let d = FileManager.default.contents(atPath: path) else { throw InputError(file: path, place: .whole, message: "unreadable") }
        self = Array(d)
    }
}

import Foundation
