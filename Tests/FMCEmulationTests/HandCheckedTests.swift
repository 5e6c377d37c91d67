// The emulated network against a hand calculation: one correspondent sending 1000 packets/s
// to a node that moves from its home network A to B at t = 1.0005 s, with every delay known.
//
// Delays: sites A, B, C 10 ms apart (one-way), core adds 0, controller↔switch 1 ms,
// controller↔controller 1 ms, processing 0, install 0.1 ms, layer-2 gap 50 ms; each network's
// controller at its site (distributed, reactive). Packets leave the correspondent (in C) at
// k ms, k = 0…1999.
//
//   1.0005  node leaves A.  Packets reach the home switch 10 ms after sending.
//   1.0505  link up in B; the report reaches FC at 1.0515; FS rules effective 1.0526.
//   1.0625  FC's "migrated" reaches HC (1 + 10 ms); HS rules effective 1.0636.
//   lost: arrivals at HS in [1.0005, 1.0505) find the node in its layer-2 gap → sent
//   k = 991…1040 → 50 "detached"; arrivals in [1.0505, 1.0636) find it attached elsewhere
//   with no redirect yet → k = 1041…1053 → 13 "reached the old location". 63 in all.
//   k = 1054 is the first redirected packet (at HS 1.064); its copy reaches HC at 1.065, the
//   mapping reaches CC at 1.076, the CS rules are effective at 1.0771: packets sent from
//   k = 1078 on go direct, so k = 1054…1077 are triangular → 24 packets, each 10 ms late
//   (C→A→B = 20 ms instead of C→B = 10 ms), stretch 2.
//   reachable = 1.0636 − 1.0005 = 63.1 ms. Long-distance messages: "migrated" (B→A) and
//   "map" (A→C) = 2. Packet-ins: 24 from HS (hs-redirect copies) + 3 from CS (cs-to-loc
//   copies of k = 1078, 1079, 1080 before cs-peer is effective at 1.0801) = 27.

import FMCControl
import FMCCore
import FMCScenario
import Testing

@testable import FMCEmulation

func handScenario() throws -> Scenario {
    try ScenarioLoader.parse(yaml: """
        sites: [{name: a}, {name: b}, {name: c}]
        site_delays:
          - {a: a, b: b, ms: 10}
          - {a: a, b: c, ms: 10}
          - {a: b, b: c, ms: 10}
        networks:
          - {name: A, prefix: 198.18.1.0/24, switch: s1, site: a}
          - {name: B, prefix: 198.18.2.0/24, switch: s2, site: b}
          - {name: C, prefix: 198.18.3.0/24, switch: s3, site: c}
        controllers: distributed
        latency:
          controller_switch_ms: 1
          controller_controller_ms: 1
          core_ms: 0
          processing_ms: 0
          install_fixed_ms: 0.1
          handover_gap_ms: 50
        """)
}

@Suite("emulation against a hand calculation")
struct HandCheckedTests {
    @Test("loss, triangular routing, reachability and messages of one handover")
    func oneHandover() throws {
        var settings = EmulationSettings()
        settings.distributed = true
        let e = Emulator(scenario: try handScenario(), settings: settings)
        let mn = IPAddress("198.18.1.10")!, cn = IPAddress("198.18.3.20")!
        e.attachment(node: mn, network: 0, at: 0)
        var moved = false
        for k in 0..<2000 {
            let t = Int64(k) * 1_000_000
            if !moved && t > 1_000_500_000 { e.attachment(node: mn, network: 1, at: 1_000_500_000); moved = true }
            e.packet(EmulatedPacket(timeNs: t, source: cn, destination: mn, bytes: 100))
        }
        e.finish()
        let m = e.metrics
        #expect(m.packetsReplayed == 2000)
        #expect(m.lostByCause == [.detached: 50, .oldLocation: 13], "\(m.lostByCause)")
        #expect(m.deliveredTriangular == 24)
        #expect(m.delivered == 2000 - 63)
        let key = m.triangular.keys.first!
        let tri = m.triangular[key]!
        #expect(tri.packets == 24 && tri.bytes == 2400)
        #expect(abs(tri.extraDelay.quantile(0.5)! - 10_000_000) / 10_000_000 < 0.01)
        #expect(abs(tri.stretchMilli.quantile(0.5)! - 2000) / 2000 < 0.01)
        #expect(m.handoverCount == 1)
        #expect(m.handovers[0].reachableNs == 1_063_600_000)
        #expect(m.handovers[0].lost == [.detached: 50, .oldLocation: 13])
        #expect(m.longDistance == 2, "\(m.longDistanceByType)")
        #expect(m.messagesByType["packet-in"] == 27, "\(m.messagesByType)")
        // Rules: HS 1 + 3, FS 1 + 6, CS 3 + 1 peer.
        #expect(m.perSwitch.map(\.peak) == [4, 7, 4])
        #expect(m.idleExpired == 0 && m.messagesByType["flow-removed"] == nil)
    }

    /// The same run with `rules.peer_idle_timeout_s: 1`, and one more packet at 4 s:
    ///   cs-peer is effective at 1.0801 and last matched by the packet sent at 1.999; its
    ///   first idle check (1.0801 + 1 s) finds it used, the second (1.999 + 1 s = 2.999)
    ///   removes it: one flow-removed message to CC, level of CS back to 3.
    ///   The packet at 4.0 finds cs-to-loc only: a packet-in (28 in all), and CC installs
    ///   cs-peer again (effective 4.0 + 1 + 1 + 0.1 ms = 4.0021). The input ends at 4.0, so
    ///   that rule's own idle timer is not run out after it.
    @Test("per-peer rules expire on their idle timeout; the controller installs them again")
    func idleExpiry() throws {
        var scenario = try handScenario()
        scenario.rules.peerIdleTimeoutS = 1
        let e = Emulator(scenario: scenario, settings: EmulationSettings())
        let mn = IPAddress("198.18.1.10")!, cn = IPAddress("198.18.3.20")!
        e.attachment(node: mn, network: 0, at: 0)
        var moved = false
        for k in 0..<2000 {
            let t = Int64(k) * 1_000_000
            if !moved && t > 1_000_500_000 { e.attachment(node: mn, network: 1, at: 1_000_500_000); moved = true }
            e.packet(EmulatedPacket(timeNs: t, source: cn, destination: mn, bytes: 100))
        }
        e.packet(EmulatedPacket(timeNs: 4_000_000_000, source: cn, destination: mn, bytes: 100))
        e.finish()
        let m = e.metrics
        #expect(m.idleExpired == 1)
        #expect(m.messagesByType["flow-removed"] == 1, "\(m.messagesByType)")
        #expect(m.messagesByType["packet-in"] == 28, "\(m.messagesByType)")
        #expect(m.delivered == 2001 - 63)
        let peers = m.ruleEvents.filter { $0.kind == .csPeer }
        #expect(peers.map(\.installed) == [true, false, true])
        #expect(peers.map(\.timeNs) == [1_080_100_000, 2_999_000_000, 4_002_100_000])
        #expect(m.perSwitch[2].peak == 4 && m.perSwitch[2].current == 4)
        // The controller forgot the rule when told, so it did not remove it a second time.
        #expect(m.removeCount == 1 + m.ruleEvents.filter { !$0.installed && $0.kind != .csPeer }.count)
    }
}
