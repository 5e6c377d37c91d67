// The merged timeline: capture placed on the trace clock (aligned, scaled, looped), order
// kept, backward capture timestamps held, and a deterministic node-to-host mapping.

import FMCCapture
import FMCCore
import FMCScenario
import Foundation
import Testing

@testable import FMCTimeline
@testable import FMCTrace

/// Attachment records straight from a list.
final class Records: MobilityReader {
    let path = "records"
    let format = MobilityFormat.attachments
    let nodes = NodeTable()
    let coordinates = Coordinates.cartesian
    let timeOrdered = true
    var records = 0
    let skippedLines = 0
    var items: [MobilityRecord]
    init(_ items: [MobilityRecord], names: [String]) {
        self.items = items
        for n in names { _ = nodes.intern(n) }
    }
    func next() throws -> MobilityRecord? {
        guard !items.isEmpty else { return nil }
        records += 1
        return items.removeFirst()
    }
}

/// A little-endian microsecond pcap of UDP/IPv4 packets at the given times (seconds).
func capture(_ packets: [(Double, UInt32, UInt32)]) -> String {
    var b: [UInt8] = []
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
    u32(0xA1B2_C3D4); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(101)
    for (t, src, dst) in packets {
        var ip: [UInt8] = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0]
        for v in [src, dst] { ip += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        ip += [0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0]
        let us = UInt64((t * 1e6).rounded())
        u32(UInt32(us / 1_000_000)); u32(UInt32(us % 1_000_000)); u32(UInt32(ip.count)); u32(UInt32(ip.count))
        b += ip
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fmc-timeline-\(UUID().uuidString).pcap").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(b))
    return path
}

let mn: UInt32 = 0xC612_010A, cn: UInt32 = 0xC612_0314  // 198.18.1.10, 198.18.3.20

func run(_ records: [MobilityRecord], _ packets: [(Double, UInt32, UInt32)], _ options: TimelineOptions) throws -> [TimelineEvent] {
    let path = capture(packets)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let stream = try AttachmentStream(reader: Records(records, names: ["mn"]), scenario: nil)
    let t = try Timeline(attachments: stream, capture: path, options: options)
    var out: [TimelineEvent] = []
    while let e = try t.next() { out.append(e) }
    return out
}

func attach(_ s: Double, _ net: String) -> MobilityRecord {
    .attach(node: 0, timeNs: Int64(s * 1e9), point: net, cell: nil, line: 1)
}

@Suite("timeline")
struct TimelineTests {
    @Test("aligned at the start, merged in time order, attachments first on ties")
    func align() throws {
        let e = try run([attach(100, "A"), attach(102, "B")],
                        [(5000.0, mn, cn), (5001.0, cn, mn), (5002.0, mn, cn), (5003.5, cn, mn)], TimelineOptions())
        #expect(e.map(\.timeNs) == [100, 100, 101, 102, 102, 103.5].map { Int64($0 * 1e9) })
        if case .attachment = e[0] {} else { Issue.record("attachment first on a tie") }
        if case let .packet(p) = e[1] { #expect(p.info.source.description == "198.18.1.10") }
    }

    @Test("scale and offset")
    func scale() throws {
        var o = TimelineOptions()
        o.scale = 2
        o.offsetNs = 500_000_000
        let e = try run([attach(10, "A")], [(0.0, mn, cn), (1.0, mn, cn)], o)
        let packets = e.compactMap { if case let .packet(p) = $0 { return p.timeNs } else { return nil } }
        #expect(packets == [10_500_000_000, 12_500_000_000])
    }

    @Test("looping repeats the capture until the trace's last event, one mean gap apart")
    func loop() throws {
        var o = TimelineOptions()
        o.loop = true
        let e = try run([attach(0, "A"), attach(7, "B")], [(0.0, mn, cn), (1.0, mn, cn), (2.0, mn, cn)], o)
        let packets = e.compactMap { if case let .packet(p) = $0 { return (p.timeNs, p.round) } else { return nil } }
        #expect(packets.map(\.0) == [0, 1, 2, 3, 4, 5, 6, 7, 8].map { Int64($0) * 1_000_000_000 })
        #expect(packets.map(\.1) == [0, 0, 0, 1, 1, 1, 2, 2, 2])
    }

    @Test("capture timestamps that go backwards are held at the last emitted time")
    func backwards() throws {
        let path = capture([(1.0, mn, cn), (3.0, mn, cn), (2.0, mn, cn), (4.0, mn, cn)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t = try Timeline(attachments: try AttachmentStream(reader: Records([attach(1, "A")], names: ["mn"]), scenario: nil),
                             capture: path)
        var times: [Int64] = []
        while let e = try t.next() { times.append(e.timeNs) }
        #expect(times == times.sorted())
        #expect(t.heldPackets == 1)
    }

    @Test("auto mapping is deterministic, seeded, explicit pairs first, only hosts inside the prefixes")
    func mapping() throws {
        var s = Scenario()
        s.networks = [AccessNetwork(name: "A", prefix: IPPrefix("198.18.1.0/24")!, switchID: "s1", site: "x"),
                      AccessNetwork(name: "B", prefix: IPPrefix("198.18.2.0/24")!, switchID: "s2", site: "x")]
        let hosts = (1...20).map { IPAddress(ipv4: 0xC612_0100 + UInt32($0)) } + [IPAddress("10.0.0.1")!]
        let names = NodeTable()
        for n in ["veh0", "veh1", "veh2"] { _ = names.intern(n) }
        var m = NodeMapping()
        m.explicit = [("veh1", IPAddress("198.18.2.7")!)]
        func assign(seed: UInt64) -> [IPAddress?] {
            m.seed = seed
            let a = NodeAssigner(mapping: m, captureHosts: hosts, scenario: s, names: names)
            return [a.host(for: 0), a.host(for: 1), a.host(for: 2), a.host(for: 0)]
        }
        let one = assign(seed: 1)
        #expect(one == assign(seed: 1))
        #expect(one[1] == IPAddress("198.18.2.7"))
        #expect(one[0] == one[3])
        #expect(one.compactMap { $0 }.allSatisfy { $0 != IPAddress("10.0.0.1") })
        #expect((2...9).map { assign(seed: UInt64($0)) }.contains { $0[0] != one[0] })
        m.mode = .explicit
        #expect(assign(seed: 1)[0] == nil)
    }
}
