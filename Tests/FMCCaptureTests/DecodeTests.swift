// Link types, IP versions, fragments, extension headers; the conversation table; BPF filters;
// the libpcap engine; and robustness against random and mutated bytes.

import FMCCore
import Foundation
import Testing

@testable import FMCCapture

func decode(_ frame: [UInt8], linkType: Int) -> PacketInfo {
    var info = PacketInfo()
    frame.withUnsafeBytes { buf in
        let p = RawPacket(timeNs: 0, interface: 0, linkType: linkType, capturedLength: frame.count,
                          originalLength: frame.count, data: buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!)
        PacketDecoder.decode(p, into: &info)
    }
    return info
}

let udpIPv4 = Frame.ipv4(Frame.v4(198, 18, 1, 10), Frame.v4(198, 18, 2, 20), proto: 17, Frame.udp(5000, 53))

@Suite("decoding")
struct DecodeTests {
    @Test("IPv4/UDP behind every supported link type")
    func linkTypes() {
        let le: [UInt8] = [2, 0, 0, 0], be: [UInt8] = [0, 0, 0, 2]
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00]
        let sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]
        let cases: [(Int, [UInt8])] = [
            (1, Frame.ethernet(0x0800, udpIPv4)),
            (1, Frame.ethernet(0x0800, udpIPv4, vlans: [10])),
            (1, Frame.ethernet(0x0800, udpIPv4, vlans: [10, 20], tagType: 0x88A8)),
            (101, udpIPv4), (12, udpIPv4), (14, udpIPv4), (228, udpIPv4),
            (0, le + udpIPv4), (0, be + udpIPv4), (108, be + udpIPv4),
            (113, sll + udpIPv4), (276, sll2 + udpIPv4),
            (1, Frame.ethernet(0x8864, [0x11, 0, 0, 1, 0, 0] + [0x00, 0x21] + udpIPv4)),  // PPPoE
            (1, Frame.ethernet(0x8847, [0, 0, 0x11, 64] + udpIPv4)),  // one MPLS label
        ]
        for (link, frame) in cases {
            let i = decode(frame, linkType: link)
            #expect(i.network == .ipv4, "link type \(link)")
            #expect(i.source.description == "198.18.1.10", "link type \(link)")
            #expect(i.destination.description == "198.18.2.20")
            #expect(i.ipProtocol == 17 && i.sourcePort == 5000 && i.destinationPort == 53, "link type \(link)")
        }
        #expect(decode(Frame.ethernet(0x0800, udpIPv4, vlans: [10, 20], tagType: 0x88A8), linkType: 1).vlanTags == 2)
    }

    @Test("IPv6 extension headers are walked to the transport")
    func ipv6Extensions() {
        let frame = Frame.ipv6(Frame.v6(1), Frame.v6(2, prefix: 2), next: 6, Frame.tcp(443, 55000),
                               extensions: [(0, [1, 2, 3]), (43, [0, 0, 0, 0]), (60, [])])
        let i = decode(Frame.ethernet(0x86DD, frame), linkType: 1)
        #expect(i.network == .ipv6)
        #expect(i.ipProtocol == 6)
        #expect(i.sourcePort == 443 && i.destinationPort == 55000)
        #expect(i.source.description == "fd00:198:18:1::1")
        #expect(decode(frame, linkType: 229).network == .ipv6)
    }

    @Test("fragments are counted and later fragments are not misparsed as ports")
    func fragments() {
        let first = Frame.ipv4(1, 2, proto: 17, Frame.udp(7, 9), moreFragments: true)
        let later = Frame.ipv4(1, 2, proto: 17, [0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 0], fragmentOffset: 185)
        let f = decode(first, linkType: 101), l = decode(later, linkType: 101)
        #expect(f.fragment == .first && f.sourcePort == 7)
        #expect(l.fragment == .later && l.sourcePort == 0 && l.destinationPort == 0)
        let v6later = Frame.ipv6(Frame.v6(1), Frame.v6(2), next: 17, [0xDE, 0xAD, 0xBE, 0xEF],
                                 extensions: [(44, [0x05, 0x00, 0, 0, 0, 1])])
        let v = decode(v6later, linkType: 101)
        #expect(v.fragment == .later && v.ipProtocol == 17 && v.sourcePort == 0)
    }

    @Test("cut-short and malformed headers are counted, never read past the capture")
    func malformed() {
        #expect(decode(Array(udpIPv4.prefix(12)), linkType: 101).network == .malformed)
        let cut = decode(Array(udpIPv4.prefix(22)), linkType: 101)
        #expect(cut.network == .ipv4 && cut.transportTruncated)
        #expect(decode([0x45], linkType: 101).network == .malformed)
        #expect(decode(Frame.ethernet(0x0806, [1, 2, 3]), linkType: 1).network == .nonIP)
        #expect(decode(Frame.ethernet(0x0806, []), linkType: 1).etherType == 0x0806)
        #expect(decode([1, 2, 3], linkType: 1).network == .malformed)
        #expect(decode(udpIPv4, linkType: 127).network == .unsupportedLink)
    }

    @Test("one level of tunnel is opened: IPIP, 6in4, GRE, GTP-U, VXLAN, L2TP")
    func tunnels() {
        let innerV6 = Frame.ipv6(Frame.v6(1), Frame.v6(2), next: 17, Frame.udp(1111, 2222))
        let outer = { (proto: UInt8, payload: [UInt8]) in Frame.ipv4(Frame.v4(198, 18, 0, 1), Frame.v4(198, 18, 0, 2), proto: proto, payload) }
        let gtp: [UInt8] = [0x30, 0xFF] + Frame.be16(UInt16(udpIPv4.count)) + [0, 0, 0, 7] + udpIPv4
        let gtpExt: [UInt8] = [0x34, 0xFF, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0x85, 1, 0x10, 0x09, 0] + udpIPv4
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 1, 0] + Frame.ethernet(0x0800, udpIPv4)
        let l2tp: [UInt8] = [0x00, 0x02, 0, 1, 0, 2, 0xFF, 0x03, 0x00, 0x57] + innerV6
        let cases: [(String, [UInt8], String, UInt16)] = [
            ("IPIP", outer(4, udpIPv4), "198.18.1.10", 5000),
            ("6in4", outer(41, innerV6), "fd00:198:18:1::1", 1111),
            ("GRE", outer(47, [0, 0, 0x86, 0xDD] + innerV6), "fd00:198:18:1::1", 1111),
            ("GTP-U", outer(17, Frame.udp(2152, 2152, gtp)), "198.18.1.10", 5000),
            ("GTP-U with extension header", outer(17, Frame.udp(2152, 2152, gtpExt)), "198.18.1.10", 5000),
            ("VXLAN", outer(17, Frame.udp(40000, 4789, vxlan)), "198.18.1.10", 5000),
            ("L2TP", outer(17, Frame.udp(1701, 1701, l2tp)), "fd00:198:18:1::1", 1111),
        ]
        for (name, frame, inner, port) in cases {
            let i = decode(frame, linkType: 101)
            #expect(i.source.description == "198.18.0.1", "\(name)")
            #expect(i.tunneled, "\(name)")
            #expect(i.innerSource.description == inner, "\(name)")
            #expect(i.innerSourcePort == port, "\(name)")
        }
        // Plain UDP on a tunnel port that is not a tunnel stays plain.
        #expect(!decode(outer(17, Frame.udp(2152, 2152, [1, 2, 3, 4, 5, 6, 7, 8, 9])), linkType: 101).tunneled)
    }

    @Test("ICMP type and code")
    func icmp() {
        let i = decode(Frame.ipv4(1, 2, proto: 1, [8, 0, 0, 0]), linkType: 101)
        #expect(i.icmpType == 8 && i.icmpCode == 0)
    }
}

@Suite("conversations and filters")
struct ConversationTests {
    @Test("both directions of a flow fold into one conversation, host pairs and hosts follow")
    func folding() {
        let t = ConversationTable(initialCapacity: 16)
        let a = IPAddress("198.18.1.10")!, b = IPAddress("198.18.2.20")!, c = IPAddress("fd00::1")!
        t.add(source: a, sourcePort: 1, destination: b, destinationPort: 2, ipProtocol: 17, laterFragment: false, bytes: 100, time: 5)
        t.add(source: b, sourcePort: 2, destination: a, destinationPort: 1, ipProtocol: 17, laterFragment: false, bytes: 50, time: 7)
        t.add(source: b, sourcePort: 3, destination: a, destinationPort: 1, ipProtocol: 6, laterFragment: false, bytes: 10, time: 1)
        t.add(source: a, sourcePort: 0, destination: b, destinationPort: 0, ipProtocol: 17, laterFragment: true, bytes: 1, time: 9)
        t.add(source: c, sourcePort: 0, destination: c, destinationPort: 0, ipProtocol: 58, laterFragment: false, bytes: 1, time: 9)
        // Force growth and re-hashing.
        for i in 0..<100 {
            t.add(source: IPAddress(ipv4: UInt32(i)), sourcePort: 1, destination: a, destinationPort: 1, ipProtocol: 6,
                  laterFragment: false, bytes: 1, time: 0)
        }
        #expect(t.count == 104)  // 4 distinct entries above, 100 in the loop
        #expect(t.flowCount == 103)
        let pairs = t.hostPairs()
        let ab = pairs[HostPair(a: a, b: b)]!
        #expect(ab.packets == 4)
        #expect(ab.bytes == 161)
        #expect(ab.packetsAtoB == 2 && ab.bytesAtoB == 101)
        #expect(ab.firstNs == 1 && ab.lastNs == 9)
        let flows = t.flows()
        #expect(flows.count == 104)
        #expect(flows.first { $0.0.ipProtocol == 17 && !$0.0.laterFragment }?.1.packets == 2)
    }

    @Test("a BPF filter counts only what it matches, per link type")
    func filter() throws {
        let dir = TempDir()
        var b = PcapBuilder()
        b.record(sec: 1, frac: 0, Frame.udp4(1, 2))
        b.record(sec: 2, frac: 0, Frame.ethernet(0x0800, Frame.ipv4(Frame.v4(198, 18, 1, 5), Frame.v4(198, 18, 2, 6), proto: 6, Frame.tcp(1, 80))))
        b.record(sec: 3, frac: 0, Frame.udp4(5, 2))
        let path = dir.write("f.pcap", b.bytes)
        let udp = CaptureInspector.inspect(path, filter: try PacketFilter(expression: "udp"))
        #expect(udp.records == 3 && udp.packets == 2)
        let host = CaptureInspector.inspect(path, filter: try PacketFilter(expression: "host 198.18.1.5 and tcp port 80"))
        #expect(host.packets == 1)
        #expect(throws: InputError.self) { try PacketFilter(expression: "udp and and") }
    }

    @Test("the libpcap engine agrees with the native decoder, plain and gzip")
    func libpcapEngine() throws {
        let dir = TempDir()
        var b = PcapBuilder(bigEndian: true, nanosecond: true)
        for i in 0..<50 { b.record(sec: 100, frac: UInt32(i), Frame.udp4(UInt8(i % 5), 1)) }
        var options = InspectOptions()
        options.engine = .libpcap
        for path in [dir.write("p.pcap", b.bytes), try dir.gzip("g.pcap", b.bytes, layers: 2)] {
            let native = CaptureInspector.inspect(path)
            let lib = CaptureInspector.inspect(path, options: options)
            #expect(lib.ok, "\(lib.errors)")
            #expect(lib.packets == native.packets)
            #expect(lib.firstNs == native.firstNs && lib.lastNs == native.lastNs)
            #expect(lib.conversations.flowCount == native.conversations.flowCount)
            #expect(lib.compressionLayers == native.compressionLayers)
        }
        let broken = dir.write("broken.pcap", Array(b.bytes.dropLast(3)))
        let lib = CaptureInspector.inspect(broken, options: options)
        #expect(!lib.ok)
        #expect(lib.packets == 49)
        #expect(lib.errors.first?.description.contains("broken.pcap") == true)
    }

    @Test("an unsupported link type is an error that names it, with the packets still counted")
    func unsupported() {
        let dir = TempDir()
        var b = PcapBuilder(linkType: 127)
        b.record(sec: 1, frac: 0, [0, 0, 8, 0, 0, 0, 0, 0])
        let s = CaptureInspector.inspect(dir.write("r.pcap", b.bytes))
        #expect(!s.ok)
        #expect(s.packets == 1)
        #expect(s.errors.first?.message.contains("127") == true)
        #expect(s.errors.first?.message.contains("RADIO") == true)
    }
}

@Suite("robustness")
struct RobustnessTests {
    func valid() -> [UInt8] {
        var b = PcapBuilder(snaplen: 4096)
        for i in 0..<40 {
            b.record(sec: 1000 + UInt32(i), frac: 0, i % 2 == 0 ? Frame.udp4(UInt8(i), 2)
                : Frame.ethernet(0x86DD, Frame.ipv6(Frame.v6(1), Frame.v6(2), next: 17, Frame.udp(1, 2), extensions: [(0, [])])))
        }
        return b.bytes
    }

    @Test("random bytes never crash the reader, strict or lenient")
    func randomBytes() {
        let dir = TempDir()
        var rng = SeededBytes(state: 42)
        for i in 0..<150 {
            var bytes = rng.bytes(rng.below(3000))
            // Half the cases get a valid magic so the record parser sees the garbage.
            if i % 2 == 0 { bytes = Array(PcapBuilder().bytes) + bytes }
            if i % 6 == 1 { var n = PcapngBuilder(); n.section(); n.interface(); bytes = n.bytes + bytes }
            let path = dir.write("r\(i).bin", bytes)
            for lenient in [false, true] {
                var o = InspectOptions()
                o.lenient = lenient
                _ = CaptureInspector.inspect(path, options: o)
            }
        }
    }

    @Test("mutated valid files never crash and lenient mode never reads less than strict")
    func mutations() {
        let dir = TempDir()
        let base = valid()
        var rng = SeededBytes(state: 99)
        var pcapng = PcapngBuilder()
        pcapng.section()
        pcapng.interface(tsresol: 9)
        for i in 0..<30 { pcapng.enhanced(ticks: UInt64(i), Frame.udp4(UInt8(i), 3)) }
        for (kind, original) in [("pcap", base), ("pcapng", pcapng.bytes)] {
            for i in 0..<100 {
                var bytes = original
                for _ in 0..<(1 + rng.below(4)) { bytes[24 + rng.below(bytes.count - 24)] = UInt8(truncatingIfNeeded: rng.next()) }
                if i % 5 == 0 { bytes = Array(bytes.prefix(rng.below(bytes.count))) }
                let path = dir.write("\(kind)\(i)", bytes)
                let strict = CaptureInspector.inspect(path)
                var o = InspectOptions()
                o.lenient = true
                let lenient = CaptureInspector.inspect(path, options: o)
                #expect(lenient.records >= strict.records, "\(kind) mutation \(i)")
            }
        }
    }
}
