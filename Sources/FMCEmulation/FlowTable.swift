// An emulated OpenFlow table: priority lookup over the rules in effect, indexed by the exact
// addresses most FMC rules match on, so lookups stay cheap with thousands of rules.
//
// Rules live in a slot array and the indexes hold slot numbers: installing and removing a
// rule (several times per handover) then moves small integers, never rule values.

import FMCControl
import FMCCore

final class FlowTable {
    typealias Slot = Int32

    /// What a slot holds, side by side so that one cache line serves a search step.
    struct Entry {
        var rule: FlowRule?
        /// The entry's identity folded to a word (match and priority), compared before the
        /// rule itself so a search rarely touches a rule.
        var fingerprint: UInt64 = 0
        /// The next and previous slot of its index chain (-1: none). Chains keep
        /// installation order, which decides between equal-priority matches.
        var next: Slot = -1
        var prev: Slot = -1
        /// When a packet last matched the rule, or when it was installed (OpenFlow's idle
        /// timer starts at installation).
        var lastHit: Int64 = 0
    }
    private var entries: [Entry] = []
    private var freeSlots: [Slot] = []
    struct Chain {
        var head: Slot
        var tail: Slot
    }
    /// Rules by the exact address they match on: destination, else source, else the host's
    /// access port or the ARP target.
    private let byDestination = AddressTable<Chain>(expected: 1024)
    private let bySource = AddressTable<Chain>(expected: 1024)
    private let byPortOrTarget = AddressTable<Chain>(expected: 1024)
    /// The rest (prefix matches, wildcards), highest priority first.
    private var others: [Slot] = []
    /// Rules that count as FMC rules (infrastructure excluded).
    private(set) var fmcCount = 0
    /// Whether packets are looked up. A run without packets only installs and removes, and
    /// then needs nothing but each entry's identity: `byEntry` holds the rules by
    /// fingerprint, and the slots, chains and indexes above stay empty.
    let forPackets: Bool
    /// Without packets: each rule under (fingerprint, k), k = 0 for the first entry with that
    /// fingerprint and 1, 2... for different entries that share it (a 64-bit collision).
    private let byEntry = AddressTable<FlowRule>(expected: 1024)

    init(forPackets: Bool = true) {
        self.forPackets = forPackets
    }

    static func portOrTarget(_ m: FlowMatch) -> IPAddress? {
        if let t = m.arpTarget { return t }
        if case let .host(a)? = m.inPort { return a }
        return nil
    }

    static func exact(_ p: IPPrefix?) -> IPAddress? {
        guard let p, p.length == (p.address.isIPv4 ? 32 : 128) else { return nil }
        return p.address
    }

    /// Which index holds a rule: decided by its match alone, so a rule and the entry it
    /// replaces (same match and priority) are always in the same chain.
    private func chainTable(_ m: FlowMatch) -> (AddressTable<Chain>, IPAddress)? {
        if let d = FlowTable.exact(m.destination) { return (byDestination, d) }
        if let s = FlowTable.exact(m.source) { return (bySource, s) }
        if let a = FlowTable.portOrTarget(m) { return (byPortOrTarget, a) }
        return nil
    }

    @inline(__always)
    static func fingerprint(_ r: FlowRule) -> UInt64 { r.entryFingerprint }

    private func newSlot() -> Slot {
        if let f = freeSlots.popLast() { return f }
        entries.append(Entry())
        return Slot(entries.count - 1)
    }

    @inline(__always)
    private func isEntry(_ s: Slot, _ fp: UInt64, _ r: FlowRule) -> Bool {
        entries[Int(s)].fingerprint == fp && entries[Int(s)].rule!.sameEntry(as: r)
    }

    /// Adds or replaces (same match and priority) a rule; returns the rule it replaced.
    @discardableResult
    func put(_ r: FlowRule, infrastructure: Bool, at t: Int64 = 0) -> FlowRule? {
        let fp = FlowTable.fingerprint(r)
        if !forPackets { return putEntry(r, fp, infrastructure: infrastructure) }
        var slot: Slot = -1
        var old: FlowRule?
        if let (table, address) = chainTable(r.match) {
            table.modify(address, default: { Chain(head: -1, tail: -1) }) { chain in
                var s = chain.head
                while s >= 0 {
                    if isEntry(s, fp, r) {
                        // OpenFlow replaces the entry in place; its place in the chain stays.
                        slot = s
                        old = entries[Int(s)].rule
                        return
                    }
                    s = entries[Int(s)].next
                }
                slot = newSlot()
                entries[Int(slot)].prev = chain.tail
                entries[Int(slot)].next = -1
                if chain.tail >= 0 { entries[Int(chain.tail)].next = slot } else { chain.head = slot }
                chain.tail = slot
            }
        } else if let s = others.first(where: { isEntry($0, fp, r) }) {
            slot = s
            old = entries[Int(s)].rule
        } else {
            slot = newSlot()
            let i = others.firstIndex { entries[Int($0)].rule!.priority < r.priority } ?? others.count
            others.insert(slot, at: i)
        }
        entries[Int(slot)].rule = r
        entries[Int(slot)].fingerprint = fp
        entries[Int(slot)].lastHit = t
        r.tableSlot = slot
        if old == nil && !infrastructure { fmcCount += 1 }
        return old
    }

    /// Removes the entry with `r`'s switch, match and priority; returns the rule removed.
    @discardableResult
    func remove(_ r: FlowRule, infrastructure: Bool) -> FlowRule? {
        let fp = FlowTable.fingerprint(r)
        if !forPackets { return removeEntry(r, fp, infrastructure: infrastructure) }
        // The rule the controller installed is usually the very one it removes: its slot is
        // then known and nothing is searched.
        let hint = r.tableSlot
        var found: Slot? = hint >= 0 && Int(hint) < entries.count && entries[Int(hint)].rule.map { $0.isSame(r) } == true ? hint : nil
        if let (table, address) = chainTable(r.match) {
            if found == nil {
                var s = table[address]?.head ?? -1
                while s >= 0 && !isEntry(s, fp, r) { s = entries[Int(s)].next }
                if s >= 0 { found = s }
            }
            guard let s = found else { return nil }
            let p = entries[Int(s)].prev, n = entries[Int(s)].next
            if p >= 0 { entries[Int(p)].next = n }
            if n >= 0 { entries[Int(n)].prev = p }
            if p < 0 && n < 0 {
                // An address with no rule left leaves the index, so the tables hold what the
                // switches hold, not every address a long run has seen.
                table.remove(address)
            } else if p < 0 || n < 0 {
                table.modify(address, default: { Chain(head: -1, tail: -1) }) { chain in
                    if p < 0 { chain.head = n }
                    if n < 0 { chain.tail = p }
                }
            }
        } else {
            guard let i = found.flatMap({ k in others.firstIndex(of: k) }) ?? others.firstIndex(where: { isEntry($0, fp, r) }) else { return nil }
            found = others.remove(at: i)
        }
        guard let s = found else { return nil }
        let old = entries[Int(s)].rule.take()
        entries[Int(s)].next = -1
        entries[Int(s)].prev = -1
        freeSlots.append(s)
        if !infrastructure { fmcCount -= 1 }
        return old
    }

    @inline(__always)
    private static func entryKey(_ fp: UInt64, _ k: UInt64) -> IPAddress { IPAddress(high: fp, low: k, isIPv4: false) }

    /// `put` without packets: one probe of `byEntry`.
    private func putEntry(_ r: FlowRule, _ fp: UInt64, infrastructure: Bool) -> FlowRule? {
        var k: UInt64 = 0
        while true {
            var inserted = false
            var old: FlowRule?
            let same: Bool = byEntry.modify(FlowTable.entryKey(fp, k), default: { inserted = true; return r }) { held in
                if inserted { return true }
                guard held.sameEntry(as: r) else { return false }
                old = held
                held = r
                return true
            }
            if same {
                if inserted && !infrastructure { fmcCount += 1 }
                return old
            }
            k += 1
        }
    }

    /// `remove` without packets. Entries after the removed one under the same fingerprint
    /// move down one place, so that k = 0, 1... stay contiguous.
    private func removeEntry(_ r: FlowRule, _ fp: UInt64, infrastructure: Bool) -> FlowRule? {
        var k: UInt64 = 0
        while true {
            let key = FlowTable.entryKey(fp, k)
            if let old = byEntry.remove(key, if: { $0.sameEntry(as: r) }) {
                var next = k + 1
                while let moved = byEntry.remove(FlowTable.entryKey(fp, next)) {
                    byEntry.set(FlowTable.entryKey(fp, next - 1), moved)
                    next += 1
                }
                if !infrastructure { fmcCount -= 1 }
                return old
            }
            guard byEntry.contains(key) else { return nil }
            k += 1
        }
    }

    func rule(_ s: Slot) -> FlowRule { entries[Int(s)].rule! }

    /// A packet matched the rule in slot `s` at `t`.
    func hit(_ s: Slot, at t: Int64) { entries[Int(s)].lastHit = t }

    /// When this very rule (not merely an equal one) last matched a packet or was installed;
    /// nil if the table no longer holds it.
    func lastHit(of r: FlowRule) -> Int64? {
        precondition(forPackets, "a table made without the packet indexes")
        let s = Int(r.tableSlot)
        guard s >= 0, s < entries.count, let held = entries[s].rule, held.isSame(r) else { return nil }
        return entries[s].lastHit
    }

    /// The slot of the highest-priority rule matching the packet.
    func lookup(inPort: SwitchPort, arp: Bool, source: IPAddress, destination: IPAddress) -> Slot? {
        precondition(forPackets, "a table made without the packet indexes")
        var best: Slot?
        var bestPriority: UInt16 = 0
        let target: IPAddress? = arp ? destination : nil
        func consider(_ chain: Chain?) {
            guard var s = chain?.head else { return }
            while s >= 0 {
                let rule = entries[Int(s)].rule!
                if (best == nil || rule.priority > bestPriority)
                    && rule.match.matches(inPort: inPort, arp: arp, arpTarget: target, source: source, destination: destination) {
                    best = s
                    bestPriority = rule.priority
                }
                s = entries[Int(s)].next
            }
        }
        consider(byDestination[destination])
        consider(bySource[source])
        if case let .host(a) = inPort { consider(byPortOrTarget[a]) }
        if arp { consider(byPortOrTarget[destination]) }
        for s in others {
            if best != nil, bestPriority >= entries[Int(s)].rule!.priority { break }
            if entries[Int(s)].rule!.match.matches(inPort: inPort, arp: arp, arpTarget: target, source: source, destination: destination) {
                best = s
                break
            }
        }
        return best
    }
}
