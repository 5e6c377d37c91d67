// IP addresses and prefixes shared by every fmc module.
//
// One value type holds both families so that flow tables, scenarios and the controller
// model can key on an address without boxing. IPv4 lives in the IPv4-mapped IPv6 space
// (::ffff:a.b.c.d) with a family flag, so a v4 and a v6 address never compare equal by
// accident and hashing is two integer mixes.

/// An IPv4 or IPv6 address, stored as 128 bits in network order (high word first).
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isIPv4: Bool

    @inlinable
    public init(high: UInt64, low: UInt64, isIPv4: Bool) {
        self.high = high
        self.low = low
        self.isIPv4 = isIPv4
    }

    /// An IPv4 address from its 32-bit value in host order (198.18.0.1 == 0xC612_0001).
    @inlinable
    public init(ipv4 value: UInt32) {
        self.init(high: 0, low: 0x0000_FFFF_0000_0000 | UInt64(value), isIPv4: true)
    }

    /// The IPv4 value in host order; meaningful only when `isIPv4`.
    @inlinable
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// Parses dotted-quad IPv4 or RFC 4291 text IPv6 (with `::` compression and an optional
    /// trailing dotted quad). Returns nil for anything else.
    public init?(_ text: Substring) {
        if text.contains(":") {
            guard let v = IPAddress.parseIPv6(text) else { return nil }
            self = v
        } else {
            guard let v = IPAddress.parseIPv4(text) else { return nil }
            self.init(ipv4: v)
        }
    }

    public init?(_ text: String) { self.init(Substring(text)) }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 3, let n = UInt32(part), n <= 255 else { return nil }
            value = value << 8 | n
            parts += 1
        }
        return parts == 4 ? value : nil
    }

    static func parseIPv6(_ text: Substring) -> IPAddress? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var halves: [String] = [String(text)]
        if let gap = text.firstRange(of: "::") {
            halves = [String(text[..<gap.lowerBound]), String(text[gap.upperBound...])]
            if halves[1].firstRange(of: "::") != nil { return nil }
        }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let items = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, item) in items.enumerated() {
                if i == items.count - 1, item.contains(".") {
                    guard let v4 = parseIPv4(item) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xFFFF))
                } else {
                    guard !item.isEmpty, item.count <= 4, let g = UInt16(item, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let h = groups(halves[0]) else { return nil }
        head = h
        if halves.count == 2 {
            sawGap = true
            guard let t = groups(halves[1]) else { return nil }
            tail = t
        }
        let total = head.count + tail.count
        if sawGap ? total > 7 : total != 8 { return nil }
        let all = head + Array(repeating: 0, count: 8 - total) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<4 { high = high << 16 | UInt64(all[i]) }
        for i in 4..<8 { low = low << 16 | UInt64(all[i]) }
        return IPAddress(high: high, low: low, isIPv4: false)
    }

    public var description: String {
        if isIPv4 {
            let v = ipv4Value
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        }
        var groups: [UInt16] = []
        for i in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: high >> UInt64(i))) }
        for i in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: low >> UInt64(i))) }
        // RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on ties.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isIPv4 != b.isIPv4 { return a.isIPv4 }
        if a.high != b.high { return a.high < b.high }
        return a.low < b.low
    }

    /// A cheap, well-mixed 64-bit hash for fmc's own open-addressing tables, where Swift's
    /// SipHash would dominate the per-packet cost.
    @inlinable
    public var mix: UInt64 {
        var h = high &* 0x9E37_79B9_7F4A_7C15
        h ^= low &+ (isIPv4 ? 0x5851_F42D_4C95_7F2D : 0)
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }

    // Written out and inlinable: addresses key the emulator's and controllers' dictionaries
    // (several lookups per packet and per control message), and the synthesized versions
    // were out-of-line calls feeding the hasher three fields.
    @inlinable
    public static func == (a: IPAddress, b: IPAddress) -> Bool {
        a.low == b.low && a.high == b.high && a.isIPv4 == b.isIPv4
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(low ^ (high &* 0x9E37_79B9_7F4A_7C15) ^ (isIPv4 ? 0 : 0x5851_F42D_4C95_7F2D))
    }

    /// Dictionaries keyed by address hash through this: a seeded 64-bit mix (the dictionary's
    /// per-process seed goes in first), without the general hasher's setup and finalisation,
    /// which cost more than the lookups themselves on the replay's paths. Not meant to resist
    /// deliberately colliding inputs; a capture crafted for that slows fmc, it does not break it.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        var h = (low ^ UInt64(bitPattern: Int64(seed))) &* 0x9E37_79B9_7F4A_7C15
        h ^= high &+ (isIPv4 ? 0 : 0x5851_F42D_4C95_7F2D)
        h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 29)) &* 0x94D0_49BB_1331_11EB
        return Int(bitPattern: UInt(truncatingIfNeeded: h ^ (h >> 32)))
    }
}

/// A CIDR prefix such as 198.18.1.0/24 or fd00:198:18::/48.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let length: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = IPAddress(parts[0]), let n = Int(parts[1]) else { return nil }
        let maxLength = a.isIPv4 ? 32 : 128
        guard n >= 0, n <= maxLength else { return nil }
        self.init(address: a, length: n)
    }

    /// Host bits of `address` are cleared so equal prefixes compare equal.
    public init(address: IPAddress, length: Int) {
        self.length = length
        let bits = address.isIPv4 ? 96 + length : length
        let (mh, ml) = IPPrefix.mask(bits)
        self.address = IPAddress(high: address.high & mh, low: address.low & ml, isIPv4: address.isIPv4)
    }

    static func mask(_ bits: Int) -> (UInt64, UInt64) {
        let h: UInt64 = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~0 << UInt64(64 - bits))
        let l: UInt64 = bits <= 64 ? 0 : (bits >= 128 ? ~0 : ~0 << UInt64(128 - bits))
        return (h, l)
    }

    public func contains(_ a: IPAddress) -> Bool {
        guard a.isIPv4 == address.isIPv4 else { return false }
        let (mh, ml) = IPPrefix.mask(address.isIPv4 ? 96 + length : length)
        return a.high & mh == address.high && a.low & ml == address.low
    }

    public var description: String { "\(address)/\(length)" }
}
