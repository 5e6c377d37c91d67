// A table made without the packet indexes (runs without packets) must install, replace and
// remove exactly as the indexed one does.

import FMCControl
import FMCCore
import Testing

@testable import FMCEmulation

@Suite("flow tables with and without packet indexes")
struct FlowTableTests {
    /// A small universe of rules, so that random operations replace and remove often: the
    /// same match and priority with different actions are one entry.
    func rule(_ k: Int, _ variant: Int) -> FlowRule {
        let node = IPAddress(ipv4: 0xC612_0100 + UInt32(k % 7))
        let loc = IPAddress(ipv4: 0xC613_0100 + UInt32(variant))
        let match: FlowMatch
        switch k % 4 {
        case 0: match = FlowMatch(destination: FlowMatch.host(node))
        case 1: match = FlowMatch(inPort: .core, source: FlowMatch.host(node))
        case 2: match = FlowMatch(isARP: true, arpTarget: node)
        default: match = FlowMatch(destination: IPPrefix("198.19.0.0/16")!)
        }
        return FlowRule(switchID: "s1", network: 0, priority: UInt16(100 + (k % 3) * 40), match: match,
                        actions: [.setDestination(loc), .output(.core)], kind: .csToLoc, role: .correspondent, node: node)
    }

    @Test("the same answers to the same puts and removes", arguments: [1, 2, 3])
    func same(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let indexed = FlowTable(), plain = FlowTable(forPackets: false)
        var installed: [FlowRule] = []
        for step in 0..<20_000 {
            let k = Int(rng.next() % 40), v = Int(rng.next() % 3)
            if rng.next() % 3 == 0 || installed.isEmpty {
                let r = rule(k, v)
                let a = indexed.put(r, infrastructure: false), b = plain.put(r, infrastructure: false)
                #expect(a == b, "step \(step)")
                installed.append(r)
            } else {
                // Removing the very rule installed, an equal one, or one never installed.
                let pick = Int(rng.next() % UInt64(installed.count))
                let r = rng.next() % 2 == 0 ? installed.remove(at: pick) : rule(k, v)
                let a = indexed.remove(r, infrastructure: false), b = plain.remove(r, infrastructure: false)
                #expect(a == b, "step \(step)")
            }
            #expect(indexed.fmcCount == plain.fmcCount, "step \(step)")
        }
        #expect(plain.fmcCount > 0)
    }

    /// Entries with one fingerprint but different identities: in one switch only a 64-bit
    /// collision does this, but the switch name is part of an entry's identity and not of its
    /// fingerprint, so rules that differ only in it take the collision path.
    @Test("different entries under one fingerprint", arguments: [false, true])
    func collision(indexed: Bool) {
        let table = FlowTable(forPackets: indexed)
        func named(_ sw: String, _ v: Int) -> FlowRule {
            var r = rule(0, v)
            r.switchID = sw
            return r
        }
        let a = named("s1", 0), b = named("s2", 0), c = named("s3", 0)
        #expect(a.entryFingerprint == b.entryFingerprint && b.entryFingerprint == c.entryFingerprint)
        #expect(table.put(a, infrastructure: false) == nil)
        #expect(table.put(b, infrastructure: false) == nil)
        #expect(table.put(c, infrastructure: false) == nil)
        #expect(table.fmcCount == 3)
        // Replacing the second one, then removing the first: the others stay reachable.
        #expect(table.put(named("s2", 1), infrastructure: false) == b)
        #expect(table.remove(a, infrastructure: false) == a)
        #expect(table.remove(a, infrastructure: false) == nil)
        #expect(table.remove(c, infrastructure: false) == c)
        #expect(table.remove(named("s2", 2), infrastructure: false) == named("s2", 1))
        #expect(table.fmcCount == 0)
    }
}
