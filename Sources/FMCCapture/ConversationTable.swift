// Conversations of a capture: per 5-tuple (bidirectional), per host pair, per host.
//
// Only the 5-tuple table is touched per packet; host pairs and hosts are folded from it at
// the end, so the hot path costs one hash probe. The table is open-addressed over flat
// storage because Swift's Dictionary (SipHash, optional-wrapped buckets) would cost more than
// all of decoding.

import FMCCore
import FMCIO

/// A bidirectional 5-tuple in canonical order: endpoint `a` is the lower (address, port).
public struct FlowKey: Hashable, Sendable {
    public var a: IPAddress
    public var b: IPAddress
    public var portA: UInt16
    public var portB: UInt16
    public var ipProtocol: UInt8
    /// Later fragments have no ports: they are kept apart from real 5-tuples, attributed to
    /// their host pair only.
    public var laterFragment: Bool

    @inline(__always)
    var hash: UInt64 {
        var h = a.mix &+ (b.mix &* 0x9E37_79B9_7F4A_7C15)
        h ^= UInt64(portA) << 40 | UInt64(portB) << 16 | UInt64(ipProtocol) << 1 | (laterFragment ? 1 : 0)
        h = (h ^ (h >> 31)) &* 0x94D0_49BB_1331_11EB
        return (h ^ (h >> 29)) | 1  // 0 marks an empty slot
    }
}

/// Counters of one conversation. "A to B" follows the canonical endpoint order of the key.
public struct ConversationCounters: Sendable {
    public var packetsAtoB: UInt64 = 0
    public var bytesAtoB: UInt64 = 0
    public var packetsBtoA: UInt64 = 0
    public var bytesBtoA: UInt64 = 0
    public var firstNs: Int64 = .max
    public var lastNs: Int64 = .min

    public var packets: UInt64 { packetsAtoB + packetsBtoA }
    public var bytes: UInt64 { bytesAtoB + bytesBtoA }

    mutating func merge(_ o: ConversationCounters, reversed: Bool) {
        if reversed {
            packetsAtoB += o.packetsBtoA; bytesAtoB += o.bytesBtoA
            packetsBtoA += o.packetsAtoB; bytesBtoA += o.bytesAtoB
        } else {
            packetsAtoB += o.packetsAtoB; bytesAtoB += o.bytesAtoB
            packetsBtoA += o.packetsBtoA; bytesBtoA += o.bytesBtoA
        }
        firstNs = min(firstNs, o.firstNs)
        lastNs = max(lastNs, o.lastNs)
    }
}

public struct HostPair: Hashable, Sendable {
    public var a: IPAddress
    public var b: IPAddress
}

public final class ConversationTable {
    private struct Entry {
        var key: FlowKey
        var counters: ConversationCounters
    }

    private var hashes: UnsafeMutablePointer<UInt64>
    private var entries: UnsafeMutablePointer<Entry>
    private var capacity: Int
    public private(set) var count = 0

    public init(initialCapacity: Int = 1 << 12) {
        var c = 16
        while c < initialCapacity { c <<= 1 }
        capacity = c
        hashes = .allocate(capacity: c)
        hashes.initialize(repeating: 0, count: c)
        entries = .allocate(capacity: c)
    }

    deinit {
        for i in 0..<capacity where hashes[i] != 0 { (entries + i).deinitialize(count: 1) }
        hashes.deallocate()
        entries.deallocate()
    }

    /// Adds one packet of `bytes` bytes at `time` travelling from `source` to `destination`.
    @inline(__always)
    public func add(source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16,
                    ipProtocol: UInt8, laterFragment: Bool, bytes: Int, time: Int64) {
        let forward = source < destination || (source == destination && sourcePort <= destinationPort)
        let key = forward
            ? FlowKey(a: source, b: destination, portA: sourcePort, portB: destinationPort, ipProtocol: ipProtocol, laterFragment: laterFragment)
            : FlowKey(a: destination, b: source, portA: destinationPort, portB: sourcePort, ipProtocol: ipProtocol, laterFragment: laterFragment)
        let h = key.hash
        let mask = capacity - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = hashes[i]
            if s == h, entries[i].key == key { break }
            if s == 0 {
                if (count + 1) * 10 > capacity * 7 {
                    grow()
                    add(source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort,
                        ipProtocol: ipProtocol, laterFragment: laterFragment, bytes: bytes, time: time)
                    return
                }
                hashes[i] = h
                (entries + i).initialize(to: Entry(key: key, counters: ConversationCounters()))
                count += 1
                break
            }
            i = (i + 1) & mask
        }
        let e = entries + i
        if forward {
            e.pointee.counters.packetsAtoB &+= 1
            e.pointee.counters.bytesAtoB &+= UInt64(bytes)
        } else {
            e.pointee.counters.packetsBtoA &+= 1
            e.pointee.counters.bytesBtoA &+= UInt64(bytes)
        }
        if time < e.pointee.counters.firstNs { e.pointee.counters.firstNs = time }
        if time > e.pointee.counters.lastNs { e.pointee.counters.lastNs = time }
    }

    private func grow() {
        let oldHashes = hashes, oldEntries = entries, oldCapacity = capacity
        capacity *= 2
        hashes = .allocate(capacity: capacity)
        hashes.initialize(repeating: 0, count: capacity)
        entries = .allocate(capacity: capacity)
        let mask = capacity - 1
        for j in 0..<oldCapacity where oldHashes[j] != 0 {
            var i = Int(truncatingIfNeeded: oldHashes[j]) & mask
            while hashes[i] != 0 { i = (i + 1) & mask }
            hashes[i] = oldHashes[j]
            (entries + i).moveInitialize(from: oldEntries + j, count: 1)
        }
        oldHashes.deallocate()
        oldEntries.deallocate()
    }

    /// Every conversation, in a stable order (by key) so reports are deterministic.
    public func flows() -> [(FlowKey, ConversationCounters)] {
        var out: [(FlowKey, ConversationCounters)] = []
        out.reserveCapacity(count)
        for i in 0..<capacity where hashes[i] != 0 { out.append((entries[i].key, entries[i].counters)) }
        out.sort { l, r in
            let (x, y) = (l.0, r.0)
            if x.a != y.a { return x.a < y.a }
            if x.b != y.b { return x.b < y.b }
            if x.ipProtocol != y.ipProtocol { return x.ipProtocol < y.ipProtocol }
            if x.portA != y.portA { return x.portA < y.portA }
            if x.portB != y.portB { return x.portB < y.portB }
            return !x.laterFragment && y.laterFragment
        }
        return out
    }

    /// 5-tuples proper: entries that stand for later fragments are not flows.
    public var flowCount: Int {
        var n = 0
        for i in 0..<capacity where hashes[i] != 0 && !entries[i].key.laterFragment { n += 1 }
        return n
    }

    /// Host-pair conversations folded from the 5-tuples, as `tshark -z conv,ip` lists them.
    public func hostPairs() -> [HostPair: ConversationCounters] {
        var pairs: [HostPair: ConversationCounters] = [:]
        for i in 0..<capacity where hashes[i] != 0 {
            let e = entries[i]
            // The host-pair order is by address alone; a flow whose canonical order came from
            // the ports (same address both ends) keeps its direction.
            let reversed = e.key.b < e.key.a
            let pair = reversed ? HostPair(a: e.key.b, b: e.key.a) : HostPair(a: e.key.a, b: e.key.b)
            var c = e.counters
            if e.key.a == e.key.b {
                // A host talking to itself has no direction (tshark counts it all one way).
                c.packetsAtoB += c.packetsBtoA; c.bytesAtoB += c.bytesBtoA
                c.packetsBtoA = 0; c.bytesBtoA = 0
            }
            pairs[pair, default: ConversationCounters()].merge(c, reversed: reversed)
        }
        return pairs
    }
}
