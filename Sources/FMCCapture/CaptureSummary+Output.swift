// How a capture summary is shown: one JSON object for machines, a short text block for people,
// and a conversation list comparable with `tshark -q -z conv,ip`.

import FMCCore
import FMCIO

extension CaptureSummary {
    /// Distinct link types over all interfaces, in order of first appearance.
    public var linkTypes: [Int] {
        var seen: [Int] = []
        for i in interfaces where !seen.contains(i.linkType) { seen.append(i.linkType) }
        return seen
    }

    public var hostCount: Int {
        var hosts = Set<IPAddress>()
        for (pair, _) in conversations.hostPairs() {
            hosts.insert(pair.a)
            hosts.insert(pair.b)
        }
        return hosts.count
    }

    static let protocolNames: [UInt8: String] = [1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"]

    public func json(includeConversations: Bool = false) -> JSON {
        let pairs = conversations.hostPairs()
        var hosts = Set<IPAddress>()
        for (p, _) in pairs { hosts.insert(p.a); hosts.insert(p.b) }
        var protocols: [(String, JSON)] = [("tcp", .int(byProtocol[6] ?? 0)), ("udp", .int(byProtocol[17] ?? 0)),
                                           ("icmp", .int(byProtocol[1] ?? 0)), ("icmpv6", .int(byProtocol[58] ?? 0))]
        let other = byProtocol.filter { CaptureSummary.protocolNames[$0.key] == nil }.values.reduce(0, +)
        protocols.append(("other", .int(other)))
        var fields: [(String, JSON)] = [
            ("file", .string(file)),
            ("format", format.isEmpty ? .null : .string(format)),
            ("variant", .string(variant)),
            ("compressed", .bool(compressionLayers > 0)),
            ("compression_layers", .int(compressionLayers)),
            ("linktype", linkTypes.first.map { .int($0) } ?? .null),
            ("linktypes", .array(linkTypes.map { .int($0) })),
            ("interfaces", .array(interfaces.map { i in
                .object([
                    ("linktype", .int(i.linkType)), ("linktype_name", .string(PacketDecoder.linkTypeName(i.linkType))),
                    ("snaplen", .int(i.snapLength)), ("section", .int(i.section)),
                    ("name", i.name.map { .string($0) } ?? .null),
                    ("ticks_per_second", .int(Int64(clamping: i.ticksPerSecond))),
                ])
            })),
            ("filter", filter.map { .string($0) } ?? .null),
            ("records", .int(records)),
            ("packets", .int(packets)),
            ("bytes", .int(Int64(clamping: capturedBytes))),
            ("original_bytes", .int(Int64(clamping: originalBytes))),
            ("ipv4", .int(ipv4)),
            ("ipv6", .int(ipv6)),
            ("non_ip", .int(nonIP)),
            ("malformed", .int(malformed)),
            ("undecoded", .int(undecoded)),
            ("fragments", .int(fragments)),
            ("transport_truncated", .int(transportTruncated)),
            ("vlan_tagged", .int(vlanTagged)),
            ("tunneled", .int(tunneled)),
            ("protocols", .object(protocols)),
            ("hosts", .int(hosts.count)),
            ("host_pairs", .int(pairs.count)),
            ("flows", .int(conversations.flowCount)),
            ("first_ns", firstNs.map { .int($0) } ?? .null),
            ("last_ns", lastNs.map { .int($0) } ?? .null),
            ("backward_steps", .int(backwardSteps)),
            ("errors", .array(errors.map { .string($0.description) })),
            ("damage", .array(damage.map { .string($0.description) })),
            ("skipped_records", .int(damage.count)),
            ("skipped_bytes", .int(skippedBytes)),
            ("warnings", .array(warnings.map { .string($0.description) })),
        ]
        if includeConversations {
            let base = firstNs ?? 0
            fields.append(("conversations", .array(sortedPairs(pairs).map { pair, c in
                .object([
                    ("a", .string(pair.a.description)), ("b", .string(pair.b.description)),
                    ("packets_a_to_b", .int(Int64(c.packetsAtoB))), ("bytes_a_to_b", .int(Int64(c.bytesAtoB))),
                    ("packets_b_to_a", .int(Int64(c.packetsBtoA))), ("bytes_b_to_a", .int(Int64(c.bytesBtoA))),
                    ("first_ns", .int(c.firstNs)), ("last_ns", .int(c.lastNs)),
                    ("relative_start_ns", .int(c.firstNs - base)),
                ])
            })))
            fields.append(("flow_list", .array(conversations.flows().filter { !$0.0.laterFragment }.map { k, c in
                .object([
                    ("a", .string(k.a.description)), ("port_a", .int(k.portA)),
                    ("b", .string(k.b.description)), ("port_b", .int(k.portB)),
                    ("protocol", .int(k.ipProtocol)),
                    ("packets_a_to_b", .int(Int64(c.packetsAtoB))), ("bytes_a_to_b", .int(Int64(c.bytesAtoB))),
                    ("packets_b_to_a", .int(Int64(c.packetsBtoA))), ("bytes_b_to_a", .int(Int64(c.bytesBtoA))),
                    ("first_ns", .int(c.firstNs)), ("last_ns", .int(c.lastNs)),
                ])
            })))
            var peers: [IPAddress: Set<IPAddress>] = [:]
            for (p, _) in pairs { peers[p.a, default: []].insert(p.b); peers[p.b, default: []].insert(p.a) }
            fields.append(("host_list", .array(peers.keys.sorted().map { h in
                .object([("host", .string(h.description)),
                         ("peers", .array(peers[h]!.sorted().map { .string($0.description) }))])
            })))
        }
        return .object(fields)
    }

    /// Host pairs ordered as tshark orders them: most bytes first, ties by address.
    func sortedPairs(_ pairs: [HostPair: ConversationCounters]) -> [(HostPair, ConversationCounters)] {
        pairs.sorted { l, r in
            if l.value.bytes != r.value.bytes { return l.value.bytes > r.value.bytes }
            if l.key.a != r.key.a { return l.key.a < r.key.a }
            return l.key.b < r.key.b
        }.map { ($0.key, $0.value) }
    }

    /// The human summary.
    public func text() -> String {
        var out = "\(file)\n"
        func row(_ k: String, _ v: String) { out += "  " + k.padding(toLength: 14, withPad: " ", startingAt: 0) + v + "\n" }
        if format.isEmpty {
            for e in errors { out += "  error: \(e)\n" }
            return out
        }
        do {
            let compression = compressionLayers == 0 ? "not compressed"
                : compressionLayers == 1 ? "gzip-compressed" : "gzip-compressed \(compressionLayers) times"
            row("format", "\(format) (\(variant)), \(compression)")
            let links = linkTypes.map { "\($0) (\(PacketDecoder.linkTypeName($0)))" }.joined(separator: ", ")
            row(linkTypes.count > 1 ? "link types" : "link type", links.isEmpty ? "none declared" : links)
            if interfaces.count > 1 { row("interfaces", "\(interfaces.count) in \(Set(interfaces.map(\.section)).count) section(s)") }
        }
        if let filter { row("filter", "\(filter): \(packets) of \(records) records match") }
        row("packets", "\(packets), \(capturedBytes) bytes captured, \(originalBytes) on the wire")
        var net = "IPv4 \(ipv4), IPv6 \(ipv6), non-IP \(nonIP)"
        if !nonIPByType.isEmpty {
            let top = nonIPByType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(4)
            net += " (" + top.map { "\(etherTypeName($0.key)) \($0.value)" }.joined(separator: ", ") + ")"
        }
        if malformed > 0 { net += ", malformed \(malformed)" }
        if undecoded > 0 { net += ", not decoded \(undecoded)" }
        row("network", net)
        let other = byProtocol.filter { CaptureSummary.protocolNames[$0.key] == nil }.values.reduce(0, +)
        row("transport", "TCP \(byProtocol[6] ?? 0), UDP \(byProtocol[17] ?? 0), ICMP \(byProtocol[1] ?? 0), "
            + "ICMPv6 \(byProtocol[58] ?? 0), other \(other)")
        if fragments > 0 || vlanTagged > 0 || transportTruncated > 0 || tunneled > 0 {
            row("also", "fragments \(fragments), VLAN-tagged \(vlanTagged), IP-in-IP \(tunneled), "
                + "transport header cut short \(transportTruncated)")
        }
        let pairs = conversations.hostPairs()
        var hosts = Set<IPAddress>()
        for (p, _) in pairs { hosts.insert(p.a); hosts.insert(p.b) }
        row("hosts", "\(hosts.count), host pairs \(pairs.count), flows (5-tuples) \(conversations.flowCount)")
        if let f = firstNs, let l = lastNs {
            row("time span", "\(formatUTC(f)) .. \(formatUTC(l)) (\(formatSeconds(l - f)) s)")
        }
        if backwardSteps > 0 { row("time order", "\(backwardSteps) backward steps") }
        if !damage.isEmpty {
            row("skipped", "\(damage.count) damaged places, \(skippedBytes) bytes (lenient)")
            for d in damage.prefix(10) { out += "    \(d)\n" }
            if damage.count > 10 { out += "    ... and \(damage.count - 10) more\n" }
        }
        for w in warnings { out += "  warning: \(w)\n" }
        for e in errors { out += "  error: \(e)\n" }
        return out
    }

    /// Host-pair conversations in the spirit of `tshark -q -z conv,ip`.
    public func conversationText() -> String {
        let pairs = sortedPairs(conversations.hostPairs())
        let base = firstNs ?? 0
        var out = "IP conversations of \(file)\(filter.map { " (filter: \($0))" } ?? "")\n"
        let header = ["A", "B", "A->B pkts", "A->B bytes", "B->A pkts", "B->A bytes", "pkts", "bytes", "start s", "duration s"]
        var rows: [[String]] = [header]
        for (p, c) in pairs {
            rows.append([p.a.description, p.b.description, "\(c.packetsAtoB)", "\(c.bytesAtoB)", "\(c.packetsBtoA)",
                         "\(c.bytesBtoA)", "\(c.packets)", "\(c.bytes)", formatSeconds(c.firstNs - base),
                         formatSeconds(c.lastNs - c.firstNs)])
        }
        var widths = Array(repeating: 0, count: header.count)
        for r in rows { for (i, v) in r.enumerated() { widths[i] = max(widths[i], v.count) } }
        for r in rows {
            var line = ""
            for (i, v) in r.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - v.count)
                line += i < 2 ? v + pad : pad + v
                line += i == 0 ? " <-> " : "  "
            }
            out += line.trimmingTrailingSpaces() + "\n"
        }
        return out
    }
}

func etherTypeName(_ t: UInt16) -> String {
    switch t {
    case 0x0806: return "ARP"
    case 0x8035: return "RARP"
    case 0x88CC: return "LLDP"
    case 0x8863: return "PPPoE discovery"
    case 0x8864: return "PPPoE session"
    case 0x888E: return "EAPOL"
    case 0x88F7: return "PTP"
    case 0x8847, 0x8848: return "MPLS"
    case 0x0001: return "802.3/LLC"
    case 0: return "unknown"
    default: return "0x" + String(t, radix: 16)
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
