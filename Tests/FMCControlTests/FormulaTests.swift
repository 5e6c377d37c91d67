// The controller logic against the paper's formulas: one migration whose node exchanges
// packets with H home, F foreign and C peers in each of K correspondent networks gives, on
// the tables the controllers' outputs build, HC = 1 + α + H, FC = 1 + δ + F + J,
// CC_j = γ + C_j (distributed) and 2 + (α+H) + (β+F) + Σ(γ+C_j) (centralized).

import FMCCore
import Testing

@testable import FMCControl

/// Delivers every output at once (no latency) and keeps the switches' tables.
final class Harness {
    let topology: ControlTopology
    var controllers: [String: FMCController] = [:]
    var tables: [String: [RuleKey: FlowRule]] = [:]
    var messages: [String] = []

    init(networks: Int, distributed: Bool) {
        var nets: [ControlNetwork] = []
        for i in 0..<networks {
            nets.append(ControlNetwork(name: "N\(i)", prefix: IPPrefix("198.18.\(i).0/24")!, switchID: "s\(i)",
                                       controller: distributed ? "c\(i)" : "c"))
        }
        topology = ControlTopology(networks: nets, distributed: distributed)
        for n in nets where controllers[n.controller] == nil {
            controllers[n.controller] = FMCController(id: n.controller, topology: topology)
        }
    }

    func host(_ network: Int, _ i: Int) -> IPAddress { IPAddress(ipv4: 0xC612_0000 | UInt32(network) << 8 | UInt32(i)) }

    func deliver(_ to: String, _ input: ControlInput) {
        var queue = [(to, input)]
        while !queue.isEmpty {
            let (c, i) = queue.removeFirst()
            for o in controllers[c]!.handle(i, now: 0) {
                switch o {
                case let .install(r): tables[r.switchID, default: [:]][r.key] = r
                case let .remove(r): tables[r.switchID]?[r.key] = nil
                case let .send(dest, m):
                    messages.append(m.typeName)
                    queue.append((dest, .fromController(c, m)))
                }
            }
        }
    }

    func event(_ network: Int, _ e: SwitchEvent) { deliver(topology.networks[network].controller, .fromSwitch(e)) }

    /// FMC rules (infrastructure excluded) on the switches a controller controls.
    func managed(_ controller: String) -> Int {
        topology.networks.filter { $0.controller == controller }.map { tables[$0.switchID]?.count ?? 0 }.reduce(0, +)
    }
}

/// One migration from network 0 (home) to 1 (foreign); correspondents in 2..K+1.
func migrate(_ h: Harness, H: Int, F: Int, K: Int, C: Int) -> IPAddress {
    let mn = h.host(0, 10)
    h.event(1, .hostAttached(switchID: "s1", host: mn))
    for i in 0..<H { h.event(0, .packetIn(switchID: "s0", rule: .hsRedirect, source: h.host(0, 20 + i), destination: mn)) }
    for i in 0..<F { h.event(1, .packetIn(switchID: "s1", rule: .fsLocalIn, source: h.host(1, 20 + i), destination: mn)) }
    for j in 0..<K {
        let net = 2 + j
        // Half the correspondent networks speak first, half are spoken to first.
        if j % 2 == 0 {
            h.event(0, .packetIn(switchID: "s0", rule: .hsRedirect, source: h.host(net, 20), destination: mn))
            if h.topology.distributed {
                h.event(1, .packetIn(switchID: "s1", rule: .fsSend, source: mn, destination: h.host(net, 20)))
            }
        } else if h.topology.distributed {
            h.event(1, .packetIn(switchID: "s1", rule: .fsSend, source: mn, destination: h.host(net, 20)))
        } else {
            h.event(net, .packetIn(switchID: "s\(net)", rule: .locatorCatch, source: h.topology.locatorPool(of: 1).address, destination: h.host(net, 20)))
        }
        for i in 0..<C {
            h.event(net, .packetIn(switchID: "s\(net)", rule: .csToLoc, source: h.host(net, 20 + i), destination: mn))
        }
    }
    return mn
}

@Suite("controller logic against the paper's formulas")
struct FormulaTests {
    static let cases: [(Int, Int, Int, Int)] = [(0, 0, 0, 0), (1, 0, 0, 0), (0, 2, 0, 0), (0, 0, 1, 1), (3, 2, 2, 4),
                                                 (5, 5, 3, 5), (10, 7, 4, 2), (20, 20, 5, 20)]

    @Test("distributed: HC = 1 + α + H, FC = 1 + δ + F + J, CC_j = γ + C_j", arguments: cases)
    func distributed(_ c: (Int, Int, Int, Int)) {
        let (H, F, K, C) = c
        let h = Harness(networks: 2 + K, distributed: true)
        _ = migrate(h, H: H, F: F, K: K, C: C)
        #expect(h.managed("c0") == 1 + 3 + H)
        #expect(h.managed("c1") == 1 + 6 + F + K)
        for j in 0..<K { #expect(h.managed("c\(2 + j)") == 3 + C, "CC \(j)") }
    }

    @Test("centralized: 2 + (α+H) + (β+F) + Σ(γ+C_j)", arguments: cases)
    func centralized(_ c: (Int, Int, Int, Int)) {
        let (H, F, K, C) = c
        let h = Harness(networks: 2 + K, distributed: false)
        _ = migrate(h, H: H, F: F, K: K, C: C)
        #expect(h.managed("c") == 2 + (3 + H) + (6 + F) + K * (3 + C))
        #expect(h.messages.isEmpty, "a centralized controller only talks to switches")
    }

    @Test("a second move re-points every correspondent, and returning home removes everything", arguments: [true, false])
    func chain(distributed: Bool) {
        let h = Harness(networks: 5, distributed: distributed)
        let mn = migrate(h, H: 2, F: 1, K: 2, C: 3)
        let firstLoc = h.tables["s2"]!.values.first { $0.name == "cs-to-loc" }!.actions
        // Move on to network 4: the old foreign switch is emptied, correspondents follow.
        h.event(4, .hostAttached(switchID: "s4", host: mn))
        #expect(h.tables["s1"]?.isEmpty ?? true)
        // The old foreign controller forgets the node (its memory follows the nodes it serves).
        if distributed { #expect(h.controllers["c1"]!.nodeRecords == 0) }
        #expect((h.tables["s4"]?.count ?? 0) == 1 + 6)
        let newLoc = h.tables["s2"]!.values.first { $0.name == "cs-to-loc" }!.actions
        #expect(newLoc != firstLoc)
        #expect(h.tables["s3"]!.values.filter { $0.name == "cs-peer" }.count == 3)
        #expect(h.tables["s0"]!.values.filter { $0.name == "hs-peer" }.count == 2)
        // Home again: no FMC rule is left anywhere.
        h.event(0, .hostAttached(switchID: "s0", host: mn))
        for sw in ["s0", "s1", "s2", "s3", "s4"] { #expect(h.tables[sw]?.isEmpty ?? true, "\(sw)") }
        // Only the home record is left (it keeps the node's home peers).
        let records = h.controllers.values.map(\.nodeRecords).reduce(0, +)
        #expect(records == 1)
        // A second round trip reuses the records instead of adding to them.
        h.event(4, .hostAttached(switchID: "s4", host: mn))
        h.event(0, .hostAttached(switchID: "s0", host: mn))
        #expect(h.controllers.values.map(\.nodeRecords).reduce(0, +) == 1)
    }

    @Test("locators come from the upper half of the foreign prefix, reused after release")
    func locators() {
        let h = Harness(networks: 3, distributed: true)
        let pool = h.topology.locatorPool(of: 1)
        #expect(pool.description == "198.18.1.128/25")
        let mn = h.host(0, 10)
        h.event(1, .hostAttached(switchID: "s1", host: mn))
        let deliver = h.tables["s1"]!.values.first { $0.name == "fs-deliver" }!
        #expect(deliver.match.destination?.address == IPAddress("198.18.1.128"))
        h.event(2, .hostAttached(switchID: "s2", host: mn))
        h.event(1, .hostAttached(switchID: "s1", host: h.host(0, 11)))
        #expect(h.tables["s1"]!.values.first { $0.name == "fs-deliver" }!.match.destination?.address == IPAddress("198.18.1.128"))
    }
}
