// `fmc synth paper`: the paper's evaluation setting (§6) as fmc inputs. One migration of a
// node from its home network to a foreign one, in which it exchanges packets with exactly H
// home peers, F foreign peers and C peers in each of K correspondent networks. Replaying it
// must give the formulas of DESIGN.md §2, counted from the flow tables.

import FMCCapture
import FMCCore
import Foundation

public struct PaperSetting: Sendable {
    public var homePeers: Int
    public var foreignPeers: Int
    public var cnets: Int
    public var cnetPeers: Int
    /// One-way delay between any two sites (networks are far apart, as in the paper's Fig. 6).
    public var siteDelayMs: Double = 20
    public init(homePeers: Int, foreignPeers: Int, cnets: Int, cnetPeers: Int) {
        self.homePeers = homePeers
        self.foreignPeers = foreignPeers
        self.cnets = cnets
        self.cnetPeers = cnetPeers
    }
}

public enum PaperSynth {
    public static let maxPeers = 100
    public static let maxCnets = 200

    static func address(_ network: Int, _ host: Int) -> IPAddress {
        // HN = 198.18.1.0/24, FN = 198.18.2.0/24, CNet j = 198.19.(j).0/24 (j from 0).
        network < 2 ? IPAddress(ipv4: 0xC612_0000 | UInt32(network + 1) << 8 | UInt32(host))
            : IPAddress(ipv4: 0xC613_0000 | UInt32(network - 2) << 8 | UInt32(host))
    }

    public static func write(_ p: PaperSetting, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let networks = 2 + p.cnets
        func name(_ n: Int) -> String { n == 0 ? "HN" : n == 1 ? "FN" : "CN\(n - 1)" }
        func site(_ n: Int) -> String { n == 0 ? "home" : n == 1 ? "foreign" : "cnet\(n - 1)" }
        var y = """
            # The FMC paper's setting (§6), made by `fmc synth paper`: one migration of node mn
            # (198.18.1.10) from HN to FN, exchanging packets with \(p.homePeers) home peers,
            # \(p.foreignPeers) foreign peers and \(p.cnetPeers) peers in each of \(p.cnets) correspondent
            # networks. All sites are \(p.siteDelayMs) ms apart; a centralized controller sits at
            # the foreign site, as in the paper's Fig. 6.
            name: paper-H\(p.homePeers)-F\(p.foreignPeers)-K\(p.cnets)-C\(p.cnetPeers)
            inputs:
              mobility: mobility.csv
              capture: capture.pcap
            sites:

            """
        for n in 0..<networks { y += "  - {name: \(site(n))}\n" }
        if networks > 1 {
            y += "site_delays:\n"
            for a in 0..<networks { for b in (a + 1)..<networks { y += "  - {a: \(site(a)), b: \(site(b)), ms: \(p.siteDelayMs)}\n" } }
        }
        y += "networks:\n"
        for n in 0..<networks {
            let a = address(n, 0)
            y += "  - {name: \(name(n)), prefix: \(a)/24, switch: s-\(name(n).lowercased()), site: \(site(n))}\n"
        }
        y += """
            controllers: {mode: distributed, site: foreign}
            nodes:
              mapping: explicit
              explicit:
                - {node: mn, address: 198.18.1.10}

            """
        try y.write(toFile: dir + "/scenario.yaml", atomically: true, encoding: .utf8)
        try "time,node,network\n0,mn,HN\n1,mn,FN\n".write(toFile: dir + "/mobility.csv", atomically: true, encoding: .utf8)

        // Traffic: a marker at 0 s so the capture's clock starts with the trace's, then from
        // 2 s (after the move) every peer and the node exchange 5 datagrams each way, 100 ms
        // apart, so every peer is seen after the rules that learn it exist.
        let w = try PcapWriter(path: dir + "/capture.pcap")
        let mn = address(0, 10)
        var peers: [IPAddress] = []
        for i in 0..<p.homePeers { peers.append(address(0, 20 + i)) }
        for i in 0..<p.foreignPeers { peers.append(address(1, 20 + i)) }
        for j in 0..<p.cnets { for i in 0..<p.cnetPeers { peers.append(address(2 + j, 20 + i)) } }
        w.udp(at: 0, from: address(0, 11), 9, to: address(0, 12), 9)
        let spacing: Int64 = peers.isEmpty ? 1 : max(1, 50_000_000 / Int64(peers.count))
        for round in 0..<5 {
            for (i, peer) in peers.enumerated() {
                let t = 2_000_000_000 + Int64(round) * 100_000_000 + Int64(i) * spacing
                w.udp(at: t, from: peer, 5000, to: mn, 6000)
                w.udp(at: t + spacing / 2, from: mn, 6000, to: peer, 5000)
            }
        }
        try w.close()
    }
}
