// Writes classic pcap (little-endian, nanosecond, Ethernet): synthetic captures for the
// paper reproduction, benchmarks and tests.

import FMCCore
import FMCIO

public final class PcapWriter {
    private let out: OutputBuffer
    private var frame: [UInt8] = []

    public init(path: String) throws {
        out = try OutputBuffer(path: path)
        var h: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { h += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { h += $0 } }
        u32(0xA1B2_3C4D); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(1)
        out.append(bytes: h)
    }

    /// Bytes on the wire of a datagram `udp` writes (what a replay counts per packet).
    public static func frameLength(ipv4: Bool, payload: Int) -> Int { 14 + (ipv4 ? 20 : 40) + 8 + payload }

    /// One UDP datagram of `payload` bytes in an Ethernet frame, IPv4 or IPv6 by the addresses.
    public func udp(at ns: Int64, from src: IPAddress, _ sport: UInt16, to dst: IPAddress, _ dport: UInt16, payload: Int = 18) {
        precondition(src.isIPv4 == dst.isIPv4)
        frame.removeAll(keepingCapacity: true)
        if !src.isIPv4 {
            frame += [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xDD]
            let ulen = 8 + payload
            frame += [0x60, 0, 0, 0, UInt8(ulen >> 8), UInt8(ulen & 0xFF), 17, 64]
            for a in [src, dst] {
                for w in [a.high, a.low] { for i in (0..<8).reversed() { frame.append(UInt8((w >> (UInt64(i) * 8)) & 0xFF)) } }
            }
            // The UDP checksum is mandatory over IPv6; a capture reader does not verify it,
            // so it is left at zero like the IPv4 datagrams' optional one.
            frame += [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF), UInt8(ulen >> 8), UInt8(ulen & 0xFF), 0, 0]
            frame += repeatElement(0x61, count: payload)
            record(ns)
            return
        }
        frame += [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]
        let total = 20 + 8 + payload
        frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0]
        for v in [src.ipv4Value, dst.ipv4Value] { frame += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        // IPv4 header checksum.
        var sum: UInt32 = 0
        for i in stride(from: 14, to: 34, by: 2) { sum += UInt32(frame[i]) << 8 | UInt32(frame[i + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let c = ~UInt16(sum)
        frame[24] = UInt8(c >> 8)
        frame[25] = UInt8(c & 0xFF)
        let ulen = 8 + payload
        frame += [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF), UInt8(ulen >> 8), UInt8(ulen & 0xFF), 0, 0]
        frame += repeatElement(0x61, count: payload)
        record(ns)
    }

    private func record(_ ns: Int64) {
        var rec: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { rec += $0 } }
        u32(UInt32(ns / 1_000_000_000)); u32(UInt32(ns % 1_000_000_000)); u32(UInt32(frame.count)); u32(UInt32(frame.count))
        out.append(bytes: rec)
        out.append(bytes: frame)
    }

    public func close() throws { try out.flush() }
}
