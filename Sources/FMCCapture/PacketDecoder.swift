// Link-layer, network-layer and transport decoding of one captured packet into a flat record.
//
// Decoding never trusts a length field: every access is bounded by the captured length, so a
// snap-length cut or a malformed header yields a counted "malformed"/"truncated" packet, not
// a crash. A damaged packet is data about the network, not damage to the file.

import CPcap
import FMCCore
import FMCIO

/// What the network layer of a packet turned out to be.
public enum NetworkKind: UInt8, Sendable {
    case ipv4
    case ipv6
    /// A well-formed frame that carries something other than IP (ARP, LLDP, ...).
    case nonIP
    /// The IP header is cut short or inconsistent.
    case malformed
    /// The link type is not one fmc decodes.
    case unsupportedLink
}

public enum FragmentKind: UInt8, Sendable {
    case none
    /// First fragment: carries the transport header.
    case first
    /// A later fragment: no transport header, so no ports.
    case later
}

/// One decoded packet. Ports are zero when the transport has none or it was not captured.
public struct PacketInfo: Sendable {
    public var network: NetworkKind = .nonIP
    /// EtherType (or the equivalent protocol field) of a non-IP frame; 0 when unknown.
    public var etherType: UInt16 = 0
    public var source = IPAddress(high: 0, low: 0, isIPv4: true)
    public var destination = IPAddress(high: 0, low: 0, isIPv4: true)
    /// IP protocol number of the transport (after IPv6 extension headers).
    public var ipProtocol: UInt8 = 0
    public var sourcePort: UInt16 = 0
    public var destinationPort: UInt16 = 0
    /// ICMP / ICMPv6 type and code, when `ipProtocol` is 1 or 58.
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    public var fragment: FragmentKind = .none
    /// The transport header was expected but not (fully) captured.
    public var transportTruncated = false
    /// 802.1Q / 802.1ad tags walked.
    public var vlanTags: UInt8 = 0
    /// IP carried in IP (protocol 4 or 41: 6in4, 6rd, IPIP): the inner header's endpoints,
    /// decoded one level deep so tunnelled conversations are seen as tshark sees them.
    public var tunneled = false
    public var innerSource = IPAddress(high: 0, low: 0, isIPv4: true)
    public var innerDestination = IPAddress(high: 0, low: 0, isIPv4: true)
    public var innerProtocol: UInt8 = 0
    public var innerSourcePort: UInt16 = 0
    public var innerDestinationPort: UInt16 = 0
    public var innerLaterFragment = false

    public init() {}
}

public enum PacketDecoder {
    /// Link types fmc decodes, with what they are.
    public static let supportedLinkTypes: [Int: String] = [
        0: "null/loopback (BSD)", 1: "Ethernet", 12: "raw IP (BSD DLT 12)", 14: "raw IP (BSD DLT 14)",
        101: "raw IP", 108: "OpenBSD loopback", 113: "Linux cooked (SLL)", 228: "raw IPv4", 229: "raw IPv6",
        276: "Linux cooked v2 (SLL2)",
    ]

    public static func isSupported(_ linkType: Int) -> Bool { supportedLinkTypes[linkType] != nil }

    /// A name for any link type, from libpcap's table where fmc has none of its own.
    public static func linkTypeName(_ linkType: Int) -> String {
        if let n = supportedLinkTypes[linkType] { return n }
        if let c = pcap_datalink_val_to_name(Int32(linkType)) { return String(cString: c) }
        return "unknown"
    }

    @inline(__always)
    public static func decode(_ packet: RawPacket, into info: inout PacketInfo) {
        info = PacketInfo()
        let p = packet.data
        let n = packet.capturedLength
        switch packet.linkType {
        case 1: ethernet(p, n, &info)
        case 101, 12, 14, 228, 229: rawIP(p, n, &info)
        case 113:
            guard n >= 16 else { info.network = .malformed; return }
            etherPayload(be16(p, 14), p + 16, n - 16, &info)
        case 276:
            guard n >= 20 else { info.network = .malformed; return }
            etherPayload(be16(p, 0), p + 20, n - 20, &info)
        case 0, 108:
            guard n >= 4 else { info.network = .malformed; return }
            var family = p.loadUnaligned(as: UInt32.self)
            if packet.linkType == 108 { family = UInt32(bigEndian: family) } else if family > 0xFFFF { family = family.byteSwapped }
            switch family {
            case 2: ipv4(p + 4, n - 4, &info)
            case 10, 24, 28, 30: ipv6(p + 4, n - 4, &info)
            default: info.network = .nonIP; info.etherType = 0
            }
        default:
            info.network = .unsupportedLink
        }
    }

    @inline(__always)
    static func be16(_ p: UnsafeRawPointer, _ o: Int) -> UInt16 {
        UInt16(bigEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }

    @inline(__always)
    static func ethernet(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        guard n >= 14 else { info.network = .malformed; return }
        var type = be16(p, 12)
        var o = 14
        // 802.1Q, 802.1ad and the old QinQ type; a bound on tags guards against loops of junk.
        while (type == 0x8100 || type == 0x88A8 || type == 0x9100) && info.vlanTags < 8 {
            guard n >= o + 4 else { info.network = .malformed; return }
            type = be16(p, o + 2)
            o += 4
            info.vlanTags += 1
        }
        etherPayload(type, p + o, n - o, &info)
    }

    @inline(__always)
    static func etherPayload(_ type: UInt16, _ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        switch type {
        case 0x0800: ipv4(p, n, &info)
        case 0x86DD: ipv6(p, n, &info)
        case 0x8864:  // PPPoE session: 6-byte PPPoE header, 2-byte PPP protocol
            guard n >= 8 else { info.network = .malformed; return }
            switch be16(p, 6) {
            case 0x0021: ipv4(p + 8, n - 8, &info)
            case 0x0057: ipv6(p + 8, n - 8, &info)
            default: info.network = .nonIP; info.etherType = type
            }
        case 0x8847, 0x8848:  // MPLS: pop labels to the bottom of the stack, then guess by version
            var o = 0
            while true {
                guard n >= o + 4 else { info.network = .malformed; return }
                let bottom = p.load(fromByteOffset: o + 2, as: UInt8.self) & 1
                o += 4
                if bottom == 1 || o >= 32 { break }
            }
            guard n > o else { info.network = .malformed; return }
            rawIP(p + o, n - o, &info)
            if info.network == .nonIP { info.etherType = type }
        default:
            info.network = .nonIP
            // Values below 0x0600 are 802.3 lengths, not types: the frame carries LLC.
            info.etherType = type < 0x0600 ? 0x0001 : type
        }
    }

    @inline(__always)
    static func rawIP(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        guard n >= 1 else { info.network = .malformed; return }
        switch p.load(as: UInt8.self) >> 4 {
        case 4: ipv4(p, n, &info)
        case 6: ipv6(p, n, &info)
        default: info.network = .malformed
        }
    }

    @inline(__always)
    static func ipv4(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        guard n >= 20 else { info.network = .malformed; return }
        let vihl = p.load(as: UInt8.self)
        let ihl = Int(vihl & 0x0F) * 4
        guard vihl >> 4 == 4, ihl >= 20, n >= ihl else { info.network = .malformed; return }
        info.network = .ipv4
        info.source = IPAddress(ipv4: UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        info.destination = IPAddress(ipv4: UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        let proto = p.load(fromByteOffset: 9, as: UInt8.self)
        info.ipProtocol = proto
        let frag = be16(p, 6)
        let total = Int(be16(p, 2))
        if frag & 0x1FFF != 0 {
            info.fragment = .later
            return
        }
        if frag & 0x2000 != 0 { info.fragment = .first }
        // The transport lies within both the capture and the IP total length (when sane:
        // TSO captures carry total length 0).
        let limit = total >= ihl ? min(n, total) : n
        transport(proto, p + ihl, limit - ihl, &info)
    }

    @inline(__always)
    static func ipv6(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        guard n >= 40, p.load(as: UInt8.self) >> 4 == 6 else { info.network = .malformed; return }
        info.network = .ipv6
        info.source = IPAddress(
            high: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            low: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)), isIPv4: false)
        info.destination = IPAddress(
            high: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
            low: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 32, as: UInt64.self)), isIPv4: false)
        var next = p.load(fromByteOffset: 6, as: UInt8.self)
        let payload = Int(be16(p, 4))
        let limit = payload > 0 ? min(n, 40 + payload) : n  // payload 0: jumbogram or TSO
        var o = 40
        var walked = 0
        while walked < 16 {
            switch next {
            case 0, 43, 60, 135, 139, 140:  // hop-by-hop, routing, destination, mobility, HIP, shim6
                guard limit >= o + 2 else { info.ipProtocol = next; info.transportTruncated = true; return }
                next = p.load(fromByteOffset: o, as: UInt8.self)
                o += (Int(p.load(fromByteOffset: o + 1, as: UInt8.self)) + 1) * 8
            case 51:  // authentication header counts 4-byte units
                guard limit >= o + 2 else { info.ipProtocol = next; info.transportTruncated = true; return }
                next = p.load(fromByteOffset: o, as: UInt8.self)
                o += (Int(p.load(fromByteOffset: o + 1, as: UInt8.self)) + 2) * 4
            case 44:  // fragment
                guard limit >= o + 8 else { info.ipProtocol = next; info.transportTruncated = true; return }
                let offsetField = be16(p, o + 2)
                next = p.load(fromByteOffset: o, as: UInt8.self)
                o += 8
                if offsetField & 0xFFF8 != 0 {
                    info.fragment = .later
                    info.ipProtocol = next
                    return
                }
                if offsetField & 1 != 0 { info.fragment = .first }
            default:
                info.ipProtocol = next
                guard o <= limit else { info.transportTruncated = true; return }
                transport(next, p + o, limit - o, &info)
                return
            }
            walked += 1
        }
        info.ipProtocol = next
        info.transportTruncated = true
    }

    @inline(__always)
    static func transport(_ proto: UInt8, _ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        switch proto {
        case 6, 17, 33, 132, 136:  // TCP, UDP, DCCP, SCTP, UDP-Lite: ports lead the header
            guard n >= 4 else { info.transportTruncated = true; return }
            info.sourcePort = be16(p, 0)
            info.destinationPort = be16(p, 2)
            if proto == 17, n > 8 { udpTunnel(p + 8, n - 8, &info) }
        case 47:
            gre(p, n, &info)
        case 1, 58:  // ICMP, ICMPv6
            guard n >= 2 else { info.transportTruncated = true; return }
            info.icmpType = p.load(as: UInt8.self)
            info.icmpCode = p.load(fromByteOffset: 1, as: UInt8.self)
        case 4, 41:
            tunnel(p, n, &info)
        default:
            break
        }
    }

    /// Tunnels over UDP recognised by their well-known port: GTP-U (2152), VXLAN (4789),
    /// L2TPv2 data (1701). Anything that does not parse as such is left alone.
    static func udpTunnel(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        let ports = (info.sourcePort, info.destinationPort)
        if ports.0 == 2152 || ports.1 == 2152 {
            // GTPv1-U G-PDU: version 1, protocol type 1, message 0xFF.
            guard n >= 8 else { return }
            let flags = p.load(as: UInt8.self)
            guard flags >> 5 == 1, flags & 0x10 != 0, p.load(fromByteOffset: 1, as: UInt8.self) == 0xFF else { return }
            var o = 8
            if flags & 0x07 != 0 {
                guard n >= 12 else { return }
                var next = p.load(fromByteOffset: 11, as: UInt8.self)
                o = 12
                var hops = 0
                while next != 0 && hops < 8 {
                    guard n > o else { return }
                    let units = Int(p.load(fromByteOffset: o, as: UInt8.self))
                    guard units > 0, n >= o + units * 4 else { return }
                    next = p.load(fromByteOffset: o + units * 4 - 1, as: UInt8.self)
                    o += units * 4
                    hops += 1
                }
            }
            tunnel(p + o, n - o, &info)
        } else if ports.0 == 4789 || ports.1 == 4789 {
            guard n >= 8 + 14, p.load(as: UInt8.self) & 0x08 != 0 else { return }
            tunnelEthernet(p + 8, n - 8, &info)
        } else if ports.0 == 1701 || ports.1 == 1701 {
            // L2TPv2 data message: T=0, version 2; optional length, sequence and offset fields.
            guard n >= 6 else { return }
            let flags = be16(p, 0)
            guard flags & 0x8000 == 0, flags & 0x000F == 2 else { return }
            var o = 2 + (flags & 0x4000 != 0 ? 2 : 0) + 4 + (flags & 0x0800 != 0 ? 4 : 0)
            if flags & 0x0200 != 0 {
                guard n >= o + 2 else { return }
                o += 2 + Int(be16(p, o))
            }
            guard n >= o + 2 else { return }
            if be16(p, o) == 0xFF03 { o += 2 }  // PPP address and control
            guard n >= o + 2 else { return }
            let ppp = be16(p, o)
            if ppp == 0x0021 || ppp == 0x0057 { tunnel(p + o + 2, n - o - 2, &info) }
        }
    }

    /// GRE carrying IPv4, IPv6 or Ethernet (transparent bridging).
    static func gre(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        guard n >= 4 else { return }
        let flags = be16(p, 0), type = be16(p, 2)
        guard flags & 0x0007 <= 1 else { return }  // versions 0 and 1 (PPTP)
        let o = 4 + (flags & 0x8000 != 0 ? 4 : 0) + (flags & 0x2000 != 0 ? 4 : 0) + (flags & 0x1000 != 0 ? 4 : 0)
        guard n > o else { return }
        switch type {
        case 0x0800, 0x86DD: tunnel(p + o, n - o, &info)
        case 0x6558: tunnelEthernet(p + o, n - o, &info)
        default: break
        }
    }

    static func tunnelEthernet(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        guard !info.tunneled, n >= 14 else { return }
        var inner = PacketInfo()
        inner.tunneled = true
        ethernet(p, n, &inner)
        adoptInner(inner, &info)
    }

    /// Decodes an inner IP header into the `inner*` fields, leaving the outer ones intact.
    static func tunnel(_ p: UnsafeRawPointer, _ n: Int, _ info: inout PacketInfo) {
        guard !info.tunneled else { return }  // one level only
        var inner = PacketInfo()
        inner.tunneled = true  // stops a second level inside
        rawIP(p, n, &inner)
        adoptInner(inner, &info)
    }

    static func adoptInner(_ inner: PacketInfo, _ info: inout PacketInfo) {
        guard inner.network == .ipv4 || inner.network == .ipv6 else { return }
        info.tunneled = true
        info.innerSource = inner.source
        info.innerDestination = inner.destination
        info.innerProtocol = inner.ipProtocol
        info.innerSourcePort = inner.sourcePort
        info.innerDestinationPort = inner.destinationPort
        info.innerLaterFragment = inner.fragment == .later
    }
}
