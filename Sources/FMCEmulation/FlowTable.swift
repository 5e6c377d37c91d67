// An emulated OpenFlow table: priority lookup over the rules in effect, indexed by the exact
// addresses most FMC rules match on, so lookups stay cheap with thousands of rules.
//
// Rules live in a slot array and the indexes hold slot numbers: installing and removing a
// rule (several times per handover) then moves small integers, never rule values.

import FMCControl
import FMCCore

final class FlowTable {
    typealias Slot = Int32

    private(set) var slots: [FlowRule?] = []
    /// Per slot: the entry's identity folded to a word (match and priority), compared before
    /// the rules themselves so a search rarely touches a rule.
    private var fingerprints: [UInt64] = []
    private var freeSlots: [Slot] = []
    private var byDestination: [IPAddress: [Slot]] = [:]
    private var bySource: [IPAddress: [Slot]] = [:]
    /// Rules matching on one host's access port or one ARP target (per-node ARP rules).
    private var byPortOrTarget: [IPAddress: [Slot]] = [:]
    /// The rest (prefix matches, wildcards), highest priority first.
    private var others: [Slot] = []
    /// Rules that count as FMC rules (infrastructure excluded).
    private(set) var fmcCount = 0

    static func portOrTarget(_ m: FlowMatch) -> IPAddress? {
        if let t = m.arpTarget { return t }
        if case let .host(a)? = m.inPort { return a }
        return nil
    }

    static func exact(_ p: IPPrefix?) -> IPAddress? {
        guard let p, p.length == (p.address.isIPv4 ? 32 : 128) else { return nil }
        return p.address
    }

    /// Which index list holds a rule: decided by its match alone, so a rule and the entry it
    /// replaces (same match and priority) are always in the same list.
    private enum Bucket { case destination(IPAddress), source(IPAddress), portOrTarget(IPAddress), others }

    private static func bucket(_ m: FlowMatch) -> Bucket {
        if let d = exact(m.destination) { return .destination(d) }
        if let s = exact(m.source) { return .source(s) }
        if let a = portOrTarget(m) { return .portOrTarget(a) }
        return .others
    }

    /// Runs `body` on the index list of bucket `b` in place: one hash lookup per change.
    private func withList<R>(_ b: Bucket, _ body: (inout [Slot]) -> R) -> R {
        switch b {
        case let .destination(a): return body(&byDestination[a, default: []])
        case let .source(a): return body(&bySource[a, default: []])
        case let .portOrTarget(a): return body(&byPortOrTarget[a, default: []])
        case .others: return body(&others)
        }
    }

    @inline(__always)
    static func fingerprint(_ r: FlowRule) -> UInt64 { r.match.fold &+ UInt64(r.priority) }

    /// Adds or replaces (same match and priority) a rule; returns the rule it replaced.
    @discardableResult
    func put(_ r: FlowRule, infrastructure: Bool) -> FlowRule? {
        let fp = FlowTable.fingerprint(r)
        let b = FlowTable.bucket(r.match)
        let (slot, old): (Slot, FlowRule?) = withList(b) { list in
            if let s = list.first(where: { fingerprints[Int($0)] == fp && slots[Int($0)]!.sameEntry(as: r) }) {
                // OpenFlow replaces the entry in place; its index entry stays as it is.
                return (s, slots[Int(s)])
            }
            let s: Slot
            if let f = freeSlots.popLast() {
                s = f
            } else {
                s = Slot(slots.count)
                slots.append(nil)
                fingerprints.append(0)
            }
            if case .others = b {
                let i = list.firstIndex { slots[Int($0)]!.priority < r.priority } ?? list.count
                list.insert(s, at: i)
            } else {
                list.append(s)
            }
            return (s, nil)
        }
        slots[Int(slot)] = r
        fingerprints[Int(slot)] = fp
        r.tableSlot = slot
        if old == nil && !infrastructure { fmcCount += 1 }
        return old
    }

    /// Removes the entry with `r`'s switch, match and priority; returns the rule removed.
    @discardableResult
    func remove(_ r: FlowRule, infrastructure: Bool) -> FlowRule? {
        let fp = FlowTable.fingerprint(r)
        let b = FlowTable.bucket(r.match)
        // The rule the controller installed is usually the very one it removes: its slot is
        // then known, and the list search compares integers, not rules.
        let hint = r.tableSlot
        let known: Slot? = hint >= 0 && Int(hint) < slots.count && slots[Int(hint)].map { $0.isSame(r) } == true ? hint : nil
        let (found, emptied): (Slot?, Bool) = withList(b) { list in
            let i: Int?
            if let k = known {
                i = list.firstIndex(of: k)
            } else {
                i = list.firstIndex(where: { fingerprints[Int($0)] == fp && slots[Int($0)]!.sameEntry(as: r) })
            }
            guard let i else { return (nil, list.isEmpty) }
            return (list.remove(at: i), list.isEmpty)
        }
        if emptied {
            // An address with no rule left leaves the index, so the tables hold what the
            // switches hold, not every address a long run has seen.
            switch b {
            case let .destination(a): byDestination[a] = nil
            case let .source(a): bySource[a] = nil
            case let .portOrTarget(a): byPortOrTarget[a] = nil
            case .others: break
            }
        }
        guard let s = found else { return nil }
        let old = slots[Int(s)]
        slots[Int(s)] = nil
        freeSlots.append(s)
        if !infrastructure { fmcCount -= 1 }
        return old
    }

    func rule(_ s: Slot) -> FlowRule { slots[Int(s)]! }


    /// The slot of the highest-priority rule matching the packet.
    func lookup(inPort: SwitchPort, arp: Bool, source: IPAddress, destination: IPAddress) -> Slot? {
        var best: Slot?
        var bestPriority: UInt16 = 0
        let target: IPAddress? = arp ? destination : nil
        func consider(_ list: [Slot]?) {
            guard let list else { return }
            for s in list {
                let priority = slots[Int(s)]!.priority
                if (best == nil || priority > bestPriority)
                    && slots[Int(s)]!.match.matches(inPort: inPort, arp: arp, arpTarget: target, source: source, destination: destination) {
                    best = s
                    bestPriority = priority
                }
            }
        }
        consider(byDestination[destination])
        consider(bySource[source])
        if case let .host(a) = inPort { consider(byPortOrTarget[a]) }
        if arp { consider(byPortOrTarget[destination]) }
        for s in others {
            if best != nil, bestPriority >= slots[Int(s)]!.priority { break }
            if slots[Int(s)]!.match.matches(inPort: inPort, arp: arp, arpTarget: target, source: source, destination: destination) {
                best = s
                break
            }
        }
        return best
    }
}
