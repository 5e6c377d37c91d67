// A hash table keyed by address, for the replay's per-node and per-rule state.
//
// Replays look addresses up several times per control message and per packet, in tables
// that hold tens of thousands of nodes and rules. Swift's Dictionary keeps its occupancy
// bitmap, keys and values in three separate arrays, so a lookup that misses the cache misses
// it up to three times, and every write checks the storage for uniqueness. This table keeps
// each key beside its value (one cache line per probe), probes linearly from a multiplicative
// hash, deletes by shifting later entries back (no tombstones, so long runs do not degrade),
// and is a class, so writes never copy. Iteration order follows the hash: callers that report
// what they iterate sort it first.

public final class AddressTable<Value> {
    @usableFromInline
    struct Entry {
        @usableFromInline var key: IPAddress
        @usableFromInline var value: Value
        @inlinable init(key: IPAddress, value: Value) {
            self.key = key
            self.value = value
        }
    }

    @usableFromInline var entries: UnsafeMutablePointer<Entry?>
    @usableFromInline var capacity: Int
    @usableFromInline var mask: Int
    @usableFromInline var stored = 0
    public var count: Int { stored }

    /// A table for about `expected` keys before it first grows.
    @inlinable
    public init(expected: Int = 16) {
        var c = 16
        while c < expected * 2 { c <<= 1 }
        capacity = c
        mask = c - 1
        entries = .allocate(capacity: c)
        entries.initialize(repeating: nil, count: c)
    }

    deinit {
        entries.deinitialize(count: capacity)
        entries.deallocate()
    }

    @inlinable @inline(__always)
    func home(_ key: IPAddress) -> Int { Int(truncatingIfNeeded: key.mix) & mask }

    /// The position of `key`, or nil.
    @inlinable @inline(__always)
    func find(_ key: IPAddress) -> Int? {
        var i = home(key)
        while true {
            guard let e = entries[i] else { return nil }
            if e.key == key { return i }
            i = (i + 1) & mask
        }
    }

    @inlinable
    public subscript(key: IPAddress) -> Value? {
        get { find(key).map { entries[$0]!.value } }
        set {
            if let v = newValue { set(key, v) } else { remove(key) }
        }
    }

    @inlinable
    public func contains(_ key: IPAddress) -> Bool { find(key) != nil }

    /// Inserts or replaces.
    @inlinable
    public func set(_ key: IPAddress, _ value: Value) {
        var i = home(key)
        while let e = entries[i] {
            if e.key == key {
                entries[i]!.value = value
                return
            }
            i = (i + 1) & mask
        }
        entries[i] = Entry(key: key, value: value)
        stored += 1
        if stored * 2 > capacity { grow() }
    }

    /// Runs `body` on the value of `key` in place, inserting `make()` first if it is absent.
    @inlinable
    public func modify<R>(_ key: IPAddress, default make: () -> Value, _ body: (inout Value) -> R) -> R {
        var i = home(key)
        while let e = entries[i] {
            if e.key == key { return body(&entries[i]!.value) }
            i = (i + 1) & mask
        }
        if (stored + 1) * 2 > capacity {
            grow()
            return modify(key, default: make, body)
        }
        entries[i] = Entry(key: key, value: make())
        stored += 1
        return body(&entries[i]!.value)
    }

    /// Removes `key` if its value passes `test` (looked at in place); returns the value.
    @inlinable
    public func remove(_ key: IPAddress, if test: (borrowing Value) -> Bool) -> Value? {
        guard let i = find(key), test(entries[i]!.value) else { return nil }
        return removeEntry(at: i)
    }

    /// Removes `key`; returns its value.
    @inlinable @discardableResult
    public func remove(_ key: IPAddress) -> Value? {
        guard let i = find(key) else { return nil }
        return removeEntry(at: i)
    }

    @inlinable
    func removeEntry(at i: Int) -> Value {
        var hole = i
        let old = entries[hole].take()!.value
        stored -= 1
        // Backward-shift deletion: move later entries of the probe run into the hole when
        // their home position allows it, so every key stays reachable without tombstones.
        var j = hole
        while true {
            j = (j + 1) & mask
            guard let e = entries[j] else { break }
            let h = home(e.key)
            let movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j)
            if movable {
                entries[hole] = entries[j].take()
                hole = j
            }
        }
        return old
    }

    @usableFromInline
    func grow() {
        let oldEntries = entries, oldCapacity = capacity
        capacity *= 2
        mask = capacity - 1
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: nil, count: capacity)
        stored = 0
        for i in 0..<oldCapacity {
            if let e = oldEntries[i] { set(e.key, e.value) }
        }
        oldEntries.deinitialize(count: oldCapacity)
        oldEntries.deallocate()
    }

    /// Every key and value, in table order (sort before reporting).
    public func forEach(_ body: (IPAddress, Value) -> Void) {
        for i in 0..<capacity { if let e = entries[i] { body(e.key, e.value) } }
    }

    public var keys: [IPAddress] {
        var out: [IPAddress] = []
        out.reserveCapacity(count)
        forEach { k, _ in out.append(k) }
        return out
    }
}
