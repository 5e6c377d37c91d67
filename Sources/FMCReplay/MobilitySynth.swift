// `fmc synth mobility`: a population of nodes moving between access networks, as a native
// attachment trace with its scenario, for mobility-only replays, benchmarks and capacity
// planning. Seeded: the same parameters give the same files.

import FMCCore
import FMCIO
import Foundation

public struct MobilitySetting: Sendable {
    public var nodes = 1000
    public var networks = 8
    public var handovers = 10_000
    /// Mean time between two handovers of the whole population, ns.
    public var intervalNs: Int64 = 1_000_000
    /// Probability that a move goes back to the node's home network.
    public var returnHome = 0.25
    public var seed: UInt64 = 1
    public var distributed = true
    public init() {}
}

public enum MobilitySynth {
    /// Networks share 198.18.0.0/15: each gets a /19 (8192 addresses), so up to 16 networks
    /// and about 4000 nodes per network.
    public static let maxNetworks = 16

    public static func write(_ m: MobilitySetting, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var y = """
            # Made by `fmc synth mobility`: \(m.nodes) nodes, \(m.networks) access networks, \(m.handovers) handovers, seed \(m.seed).
            name: synthetic-\(m.nodes)x\(m.handovers)
            inputs:
              mobility: mobility.csv
            networks:

            """
        for n in 0..<m.networks {
            let base = 0xC612_0000 as UInt32 + UInt32(n) << 13
            y += "  - {name: N\(n), prefix: \(IPAddress(ipv4: base))/19, switch: s\(n), site: site\(n % 4)}\n"
        }
        y += "site_delays:\n"
        for a in 0..<min(4, m.networks) { for b in (a + 1)..<min(4, m.networks) { y += "  - {a: site\(a), b: site\(b), ms: 5}\n" } }
        y += "controllers: \(m.distributed ? "distributed" : "centralized")\n"
        try y.write(toFile: dir + "/scenario.yaml", atomically: true, encoding: .utf8)

        let out = try OutputBuffer(path: dir + "/mobility.csv")
        out.append("time,node,network\n")
        var rng = SplitMix64(seed: m.seed)
        var at = [Int](repeating: 0, count: m.nodes)
        // Everyone starts at home, spread over the networks.
        for i in 0..<m.nodes {
            at[i] = i % m.networks
            out.append(seconds: 0)
            out.append(",n\(i),N\(at[i])")
            out.newline()
        }
        var t: Int64 = 0
        for _ in 0..<m.handovers {
            t += 1 + Int64(rng.uniform() * Double(2 * m.intervalNs))
            let i = Int(rng.next() % UInt64(m.nodes))
            let home = i % m.networks
            var to: Int
            if at[i] != home && rng.uniform() < m.returnHome {
                to = home
            } else {
                to = Int(rng.next() % UInt64(max(1, m.networks - 1)))
                if to >= at[i] { to += 1 }
                if m.networks == 1 { to = 0 }
            }
            at[i] = to
            out.append(seconds: t)
            out.append(",n\(i),N\(to)")
            out.newline()
        }
        try out.flush()
    }
}
