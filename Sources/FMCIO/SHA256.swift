// SHA-256 through OpenSSL's libcrypto: reports name every input file with its digest (and
// comparisons refuse runs of different inputs). libcrypto uses the CPU's SHA extensions,
// several times faster than portable code on multi-gigabyte captures.

import CCrypto
#if canImport(Glibc)
import Glibc
#endif

public struct SHA256Digest {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) }
    }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest as lowercase hex; the digest cannot be updated afterwards.
    public mutating func finish() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var n: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &n)
        EVP_MD_CTX_free(context)
        return out.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    /// The digest of a whole file, read in chunks; nil when it cannot be read.
    public static func file(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var d = SHA256Digest()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            buffer.withUnsafeBytes { d.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return d.finish()
    }
}
