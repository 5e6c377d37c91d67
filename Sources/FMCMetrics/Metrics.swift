// Streaming aggregates for replay measurements. Memory stays constant however long the run:
// latencies go into a log-linear histogram (1 % relative precision), counts keep their peak,
// and time series are binned.

/// Non-negative integer samples (nanoseconds, packets...) in log-linear buckets: exact below
/// 128, then 64 buckets per power of two, so any quantile is within 1 % of the true value.
public struct Histogram: Sendable {
    private var buckets: [UInt64] = []
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0
    public private(set) var min: Int64 = .max
    public private(set) var max: Int64 = .min

    public init() {}

    static let subBits = 6

    static func index(_ v: UInt64) -> Int {
        if v < 128 { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount  // ≥ 7
        let shift = exponent - subBits
        let sub = Int((v >> UInt64(shift)) & 63)
        return 128 + (exponent - 7) * 64 + sub
    }

    /// The middle of a bucket's value range (exact below 128).
    static func value(_ i: Int) -> Double {
        if i < 128 { return Double(i) }
        let exponent = (i - 128) / 64 + 7
        let sub = (i - 128) % 64
        let shift = exponent - subBits
        let low = Double((UInt64(64 + sub)) << UInt64(shift))
        return low + Double(UInt64(1) << UInt64(shift)) / 2
    }

    public mutating func record(_ v: Int64) {
        let x = UInt64(Swift.max(0, v))
        let i = Histogram.index(x)
        if i >= buckets.count { buckets.append(contentsOf: repeatElement(0, count: i + 1 - buckets.count)) }
        buckets[i] += 1
        count += 1
        sum += Double(x)
        if v < min { min = v }
        if v > max { max = v }
    }

    public mutating func merge(_ o: Histogram) {
        if o.buckets.count > buckets.count { buckets.append(contentsOf: repeatElement(0, count: o.buckets.count - buckets.count)) }
        for (i, c) in o.buckets.enumerated() { buckets[i] += c }
        count += o.count
        sum += o.sum
        if o.min < min { min = o.min }
        if o.max > max { max = o.max }
    }

    /// The q-quantile (0...1), nil when empty. q = 1 is the exact maximum.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        if q >= 1 { return Double(max) }
        if q <= 0 { return Double(min) }
        let rank = UInt64((q * Double(count)).rounded(.up))
        var seen: UInt64 = 0
        for (i, c) in buckets.enumerated() {
            seen += c
            if seen >= Swift.max(rank, 1) { return Swift.min(Swift.max(Histogram.value(i), Double(min)), Double(max)) }
        }
        return Double(max)
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// (value, cumulative fraction) points of the distribution, for CDF charts.
    public func cdf() -> [(Double, Double)] {
        guard count > 0 else { return [] }
        var out: [(Double, Double)] = []
        var seen: UInt64 = 0
        for (i, c) in buckets.enumerated() where c > 0 {
            seen += c
            out.append((Histogram.value(i), Double(seen) / Double(count)))
        }
        return out
    }
}

/// A level that goes up and down (rules in a table, mappings held) with its peak and a
/// series binned in time: each bin keeps the maximum level seen in it. When the series would
/// exceed `maxBins`, neighbouring bins merge (bin width doubles), so memory stays bounded
/// however long the run.
public struct LevelSeries: Sendable {
    public private(set) var current = 0
    public private(set) var peak = 0
    public private(set) var peakTimeNs: Int64 = 0
    public private(set) var binNs: Int64
    public let maxBins: Int
    /// (bin start, maximum level in the bin); bins with no change are omitted.
    public private(set) var bins: [(Int64, Int)] = []

    public init(binNs: Int64 = 1_000_000_000, maxBins: Int = 2048) {
        self.binNs = binNs
        self.maxBins = maxBins
    }

    /// Whether the level ever changed.
    public var touched: Bool { !bins.isEmpty }

    /// The last bin's time span, so that a change inside it (the common case: rules change
    /// many times a second) needs no division.
    private var lastStart: Int64 = .max
    private var lastEnd: Int64 = .min

    public mutating func add(_ delta: Int, at t: Int64) {
        current += delta
        if current > peak { peak = current; peakTimeNs = t }
        if t >= lastStart && t < lastEnd {
            if current > bins[bins.count - 1].1 { bins[bins.count - 1].1 = current }
            return
        }
        let bin = floorBin(t, binNs)
        defer {
            lastStart = bins[bins.count - 1].0
            lastEnd = lastStart + binNs
        }
        if let last = bins.last, last.0 == bin {
            bins[bins.count - 1].1 = Swift.max(last.1, current)
        } else {
            bins.append((bin, current))
            if bins.count > maxBins { coarsen() }
        }
    }

    mutating func coarsen() {
        binNs *= 2
        var merged: [(Int64, Int)] = []
        for (t, v) in bins {
            let b = floorBin(t, binNs)
            if let last = merged.last, last.0 == b { merged[merged.count - 1].1 = Swift.max(last.1, v) } else { merged.append((b, v)) }
        }
        bins = merged
    }
}

@inline(__always)
func floorBin(_ t: Int64, _ w: Int64) -> Int64 { (t >= 0 ? t : t - w + 1) / w * w }

/// Counts per time bin (messages per second, packets per second...) with the peak rate at
/// the original bin width, kept exactly even after bins merge to bound memory.
public struct RateSeries: Sendable {
    public let baseBinNs: Int64
    public private(set) var binNs: Int64
    public let maxBins: Int
    public private(set) var bins: [(Int64, Int)] = []
    public private(set) var total = 0
    private var currentBase: Int64 = .min
    private var currentCount = 0
    private var peakBase = 0

    public init(binNs: Int64 = 1_000_000_000, maxBins: Int = 2048) {
        baseBinNs = binNs
        self.binNs = binNs
        self.maxBins = maxBins
    }

    /// The last bin's time span (see LevelSeries).
    private var lastStart: Int64 = .max
    private var lastEnd: Int64 = .min

    public mutating func add(at t: Int64, _ n: Int = 1) {
        total += n
        if t < currentBase || t >= currentBase &+ baseBinNs {
            currentBase = floorBin(t, baseBinNs)
            currentCount = 0
        }
        currentCount += n
        peakBase = Swift.max(peakBase, currentCount)
        if t >= lastStart && t < lastEnd {
            bins[bins.count - 1].1 += n
            return
        }
        let bin = floorBin(t, binNs)
        defer {
            lastStart = bins[bins.count - 1].0
            lastEnd = lastStart + binNs
        }
        if let last = bins.last, last.0 == bin {
            bins[bins.count - 1].1 += n
        } else {
            bins.append((bin, n))
            if bins.count > maxBins {
                binNs *= 2
                var merged: [(Int64, Int)] = []
                for (bt, v) in bins {
                    let b = floorBin(bt, binNs)
                    if let last = merged.last, last.0 == b { merged[merged.count - 1].1 += v } else { merged.append((b, v)) }
                }
                bins = merged
            }
        }
    }

    /// Highest count in one base-width bin, per second.
    public var peakPerSecond: Double { Double(peakBase) * 1e9 / Double(baseBinNs) }
}
