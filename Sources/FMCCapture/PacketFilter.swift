// tcpdump-style filter expressions, compiled and run by libpcap's BPF, so `--filter` means
// exactly what it means to tcpdump users. One program per link type, since BPF offsets
// depend on the link header.

import CPcap
import FMCCore
import FMCIO

public final class PacketFilter {
    public let expression: String
    private var programs: [Int: UnsafeMutablePointer<bpf_program>] = [:]
    private var header = pcap_pkthdr()

    /// Compiles `expression` once up front for Ethernet so that a typo is reported before
    /// any file is read.
    public init(expression: String) throws {
        self.expression = expression
        _ = try program(for: 1, snapLength: 262_144)
    }

    deinit {
        for (_, p) in programs {
            pcap_freecode(p)
            p.deallocate()
        }
    }

    func program(for linkType: Int, snapLength: Int) throws -> UnsafeMutablePointer<bpf_program> {
        if let p = programs[linkType] { return p }
        guard let dead = pcap_open_dead(Int32(linkType), Int32(snapLength > 0 ? snapLength : 262_144)) else {
            throw InputError(file: "--filter", place: .whole, message: "libpcap cannot open a handle for link type \(linkType)")
        }
        defer { pcap_close(dead) }
        let prog = UnsafeMutablePointer<bpf_program>.allocate(capacity: 1)
        prog.initialize(to: bpf_program())
        if pcap_compile(dead, prog, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            let why = String(cString: pcap_geterr(dead))
            prog.deallocate()
            throw InputError(
                file: "--filter", place: .whole,
                message: "cannot compile \"\(expression)\" for link type \(linkType) (\(PacketDecoder.linkTypeName(linkType))): \(why)")
        }
        programs[linkType] = prog
        return prog
    }

    /// Whether the filter accepts `packet`; compiles for its link type on first use.
    public func matches(_ packet: RawPacket) throws -> Bool {
        matches(packet, program: try program(for: packet.linkType, snapLength: 262_144))
    }

    @inline(__always)
    func matches(_ packet: RawPacket, program: UnsafeMutablePointer<bpf_program>) -> Bool {
        header.caplen = UInt32(packet.capturedLength)
        header.len = UInt32(packet.originalLength)
        return pcap_offline_filter(program, &header, packet.data.assumingMemoryBound(to: UInt8.self)) != 0
    }
}
