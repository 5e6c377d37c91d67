// Byte-exact capture files built in the tests: every header variant, block type and link type,
// and every kind of damage, written to a temporary directory.

import Foundation

/// Appends integers in a chosen byte order.
struct Bytes {
    var data: [UInt8] = []
    var bigEndian = false

    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u16(_ v: UInt16) {
        let b = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: b) { data += $0 }
    }
    mutating func u32(_ v: UInt32) {
        let b = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: b) { data += $0 }
    }
    mutating func u64(_ v: UInt64) {
        let b = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: b) { data += $0 }
    }
    mutating func raw(_ b: [UInt8]) { data += b }
    mutating func pad4() { while data.count % 4 != 0 { data.append(0) } }
}

/// Classic pcap in any of its variants.
struct PcapBuilder {
    var out: Bytes
    let nanosecond: Bool
    let modified: Bool

    init(bigEndian: Bool = false, nanosecond: Bool = false, modified: Bool = false,
         snaplen: UInt32 = 65535, linkType: UInt32 = 1, major: UInt16 = 2) {
        out = Bytes(bigEndian: bigEndian)
        self.nanosecond = nanosecond
        self.modified = modified
        out.u32(modified ? 0xA1B2_CD34 : nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        out.u16(major)
        out.u16(4)
        out.u32(0)
        out.u32(0)
        out.u32(snaplen)
        out.u32(linkType)
    }

    mutating func record(sec: UInt32, frac: UInt32, _ frame: [UInt8], caplen: Int? = nil, origlen: Int? = nil) {
        out.u32(sec)
        out.u32(frac)
        out.u32(UInt32(caplen ?? frame.count))
        out.u32(UInt32(origlen ?? frame.count))
        if modified { out.u32(3); out.u16(0x0800); out.u8(0); out.u8(0) }
        out.raw(frame)
    }

    var bytes: [UInt8] { out.data }
}

/// pcapng built block by block.
struct PcapngBuilder {
    var out: Bytes

    init(bigEndian: Bool = false) { out = Bytes(bigEndian: bigEndian) }

    mutating func block(_ type: UInt32, _ body: (inout Bytes) -> Void) {
        var b = Bytes(bigEndian: out.bigEndian)
        body(&b)
        b.pad4()
        let length = UInt32(b.data.count + 12)
        out.u32(type)
        out.u32(length)
        out.raw(b.data)
        out.u32(length)
    }

    mutating func section(major: UInt16 = 1) {
        block(0x0A0D_0D0A) { b in
            b.u32(0x1A2B_3C4D)
            b.u16(major)
            b.u16(0)
            b.u64(UInt64.max)  // section length unknown
        }
    }

    mutating func interface(linkType: UInt16 = 1, snaplen: UInt32 = 0, tsresol: UInt8? = nil, tsoffset: Int64? = nil,
                            name: String? = nil) {
        block(1) { b in
            b.u16(linkType)
            b.u16(0)
            b.u32(snaplen)
            if let name {
                let n = Array(name.utf8)
                b.u16(2); b.u16(UInt16(n.count)); b.raw(n); b.pad4()
            }
            if let tsresol { b.u16(9); b.u16(1); b.u8(tsresol); b.pad4() }
            if let tsoffset { b.u16(14); b.u16(8); b.u64(UInt64(bitPattern: tsoffset)) }
            if tsresol != nil || tsoffset != nil || name != nil { b.u16(0); b.u16(0) }
        }
    }

    mutating func enhanced(interface: UInt32 = 0, ticks: UInt64, _ frame: [UInt8], origlen: Int? = nil) {
        block(6) { b in
            b.u32(interface)
            b.u32(UInt32(ticks >> 32))
            b.u32(UInt32(ticks & 0xFFFF_FFFF))
            b.u32(UInt32(frame.count))
            b.u32(UInt32(origlen ?? frame.count))
            b.raw(frame)
        }
    }

    mutating func simple(_ frame: [UInt8], origlen: Int? = nil) {
        block(3) { b in
            b.u32(UInt32(origlen ?? frame.count))
            b.raw(frame)
        }
    }

    mutating func obsolete(interface: UInt16 = 0, ticks: UInt64, _ frame: [UInt8]) {
        block(2) { b in
            b.u16(interface)
            b.u16(0)
            b.u32(UInt32(ticks >> 32))
            b.u32(UInt32(ticks & 0xFFFF_FFFF))
            b.u32(UInt32(frame.count))
            b.u32(UInt32(frame.count))
            b.raw(frame)
        }
    }

    var bytes: [UInt8] { out.data }
}

/// Packet bytes, big-endian on the wire.
enum Frame {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func ethernet(_ type: UInt16, _ payload: [UInt8], vlans: [UInt16] = [], tagType: UInt16 = 0x8100) -> [UInt8] {
        var f: [UInt8] = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]
        for v in vlans { f += be16(tagType) + be16(v) }
        return f + be16(type) + payload
    }

    static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt32 {
        UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    static func ipv4(_ src: UInt32, _ dst: UInt32, proto: UInt8, _ payload: [UInt8],
                     fragmentOffset: UInt16 = 0, moreFragments: Bool = false, totalLength: Int? = nil) -> [UInt8] {
        var h: [UInt8] = [0x45, 0]
        h += be16(UInt16(totalLength ?? 20 + payload.count))
        h += [0x12, 0x34]
        h += be16((moreFragments ? 0x2000 : 0) | fragmentOffset)
        h += [64, proto, 0, 0]
        h += be32(src) + be32(dst)
        return h + payload
    }

    /// IPv6 with extension headers given as (type, body); bodies are padded to 8-byte units.
    static func ipv6(_ src: [UInt8], _ dst: [UInt8], next: UInt8, _ payload: [UInt8],
                     extensions: [(UInt8, [UInt8])] = []) -> [UInt8] {
        var ext: [UInt8] = []
        let chain = extensions.map(\.0) + [next]
        for (i, (type, body)) in extensions.enumerated() {
            var h: [UInt8] = [chain[i + 1]]
            if type == 44 {  // fragment header: fixed 8 bytes, body = offset/flags + id
                h += [0] + body
                while h.count < 8 { h.append(0) }
            } else {
                var content = body
                while (content.count + 2) % 8 != 0 { content.append(0) }
                h += [UInt8((content.count + 2) / 8 - 1)] + content
            }
            ext += h
        }
        let first = extensions.first?.0 ?? next
        var h: [UInt8] = [0x60, 0, 0, 0]
        h += be16(UInt16(ext.count + payload.count))
        h += [first, 64]
        return h + src + dst + ext + payload
    }

    static func udp(_ sport: UInt16, _ dport: UInt16, _ data: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
        be16(sport) + be16(dport) + be16(UInt16(8 + data.count)) + [0, 0] + data
    }

    static func tcp(_ sport: UInt16, _ dport: UInt16) -> [UInt8] {
        be16(sport) + be16(dport) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xFF, 0xFF, 0, 0, 0, 0]
    }

    static func v6(_ last: UInt8, prefix: UInt8 = 1) -> [UInt8] {
        [0xFD, 0x00, 0x01, 0x98, 0x00, 0x18, 0x00, prefix, 0, 0, 0, 0, 0, 0, 0, last]
    }

    /// A UDP/IPv4 Ethernet frame from 198.18.1.a:sport to 198.18.2.b:dport.
    static func udp4(_ a: UInt8, _ b: UInt8, sport: UInt16 = 1000, dport: UInt16 = 2000) -> [UInt8] {
        ethernet(0x0800, ipv4(v4(198, 18, 1, a), v4(198, 18, 2, b), proto: 17, udp(sport, dport)))
    }
}

/// A scratch directory removed when the test's value goes away.
final class TempDir {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = url.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// gzip(1) output of `bytes`, `layers` times over.
    func gzip(_ name: String, _ bytes: [UInt8], layers: Int = 1) throws -> String {
        var path = write(name, bytes)
        for _ in 0..<layers {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/gzip")
            p.arguments = ["-f", "-n", path]
            try p.run()
            p.waitUntilExit()
            try FileManager.default.moveItem(atPath: path + ".gz", toPath: path)
        }
        let final = path + ".gz"
        try FileManager.default.moveItem(atPath: path, toPath: final)
        path = final
        return path
    }
}

/// Deterministic pseudo-random bytes for robustness tests (splitmix64).
struct SeededBytes {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
