// Buffered output for large text results (converted traces, CSV series): appends bytes and
// fixed-point numbers without Foundation formatting, and writes in large chunks.

#if canImport(Glibc)
import Glibc
#endif

public final class OutputBuffer {
    private var bytes: [UInt8] = []
    private let file: UnsafeMutablePointer<FILE>
    private let owned: Bool
    public private(set) var written: Int64 = 0

    /// Standard output.
    public init() {
        file = stdout
        owned = false
        bytes.reserveCapacity(1 << 20)
    }

    /// A file, created or truncated.
    public init(path: String) throws {
        guard let f = fopen(path, "w") else {
            throw OutputError(message: "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        file = f
        owned = true
        bytes.reserveCapacity(1 << 20)
    }

    deinit {
        try? flush()
        if owned { fclose(file) }
    }

    public func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
        if bytes.count >= 1 << 20 { try? flush() }
    }

    public func append(byte: UInt8) { bytes.append(byte) }

    public func append(bytes b: [UInt8]) {
        bytes.append(contentsOf: b)
        if bytes.count >= 1 << 20 { try? flush() }
    }

    /// `v` with exactly `decimals` fraction digits (rounded half away from zero).
    public func append(fixed v: Double, decimals: Int) {
        guard v.isFinite else { append("nan"); return }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e18 else { append(String(v)); return }
        var n = UInt64(scaled)
        if v < 0 && n != 0 { bytes.append(UInt8(ascii: "-")) }
        var p = UInt64(1)
        for _ in 0..<decimals { p *= 10 }
        appendInteger(n / p)
        if decimals > 0 {
            bytes.append(UInt8(ascii: "."))
            n %= p
            var digits = [UInt8](repeating: 48, count: decimals)
            for i in stride(from: decimals - 1, through: 0, by: -1) { digits[i] = 48 + UInt8(n % 10); n /= 10 }
            bytes.append(contentsOf: digits)
        }
    }

    /// Nanoseconds as seconds with nine fraction digits.
    public func append(seconds ns: Int64) {
        if ns < 0 { bytes.append(UInt8(ascii: "-")) }
        let m = ns.magnitude
        appendInteger(m / 1_000_000_000)
        bytes.append(UInt8(ascii: "."))
        var f = m % 1_000_000_000
        var digits = [UInt8](repeating: 48, count: 9)
        for i in stride(from: 8, through: 0, by: -1) { digits[i] = 48 + UInt8(f % 10); f /= 10 }
        bytes.append(contentsOf: digits)
    }

    public func appendInteger(_ v: UInt64) {
        if v < 10 { bytes.append(48 + UInt8(v)); return }
        var tmp: [UInt8] = []
        var x = v
        while x > 0 { tmp.append(48 + UInt8(x % 10)); x /= 10 }
        bytes.append(contentsOf: tmp.reversed())
    }

    public func newline() {
        bytes.append(10)
        if bytes.count >= 1 << 20 { try? flush() }
    }

    public func flush() throws {
        guard !bytes.isEmpty else { return }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        written += Int64(n)
        let complete = n == bytes.count
        bytes.removeAll(keepingCapacity: true)
        fflush(file)
        if !complete { throw OutputError(message: "write failed: \(String(cString: strerror(errno)))") }
    }
}

public struct OutputError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
