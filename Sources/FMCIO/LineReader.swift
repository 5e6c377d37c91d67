// Streaming lines for the text formats (mobility traces, logs, CSV), through any gzip layers.
//
// Lines are handed out as byte slices of the read buffer, valid until the next call, so a
// multi-gigabyte trace is read with constant memory and no per-line String unless the
// format needs one.

import FMCCore

public final class LineReader {
    public let path: String
    private let stream: LayeredStream
    private let reader: ByteReader
    /// 1-based number of the line last returned.
    public private(set) var lineNumber = 0
    /// Byte offset (of the decompressed data) where the last returned line starts.
    public private(set) var lineOffset: Int64 = 0
    /// Longest line accepted; a longer one is an error rather than unbounded buffering.
    public var maxLineLength = 16 << 20

    public var compressionLayers: Int { stream.compressionLayers }

    public init(path: String) throws {
        self.path = path
        stream = try LayeredStream(path: path)
        reader = stream.reader
    }

    /// Looks at up to `n` leading bytes without consuming them (for format detection).
    public func peek(_ n: Int) throws -> [UInt8] {
        _ = try stream.guarded { try self.reader.ensure(n) }
        let k = min(n, reader.available)
        return Array(UnsafeRawBufferPointer(start: reader.pointer, count: k))
    }

    /// The next line without its terminator (LF or CRLF), or nil at the end.
    public func nextLine() throws -> UnsafeRawBufferPointer? {
        var scanned = 0
        while true {
            let have = reader.available
            if have > scanned {
                let p = reader.pointer
                if let nl = memchr(p + scanned, 0x0A, have - scanned) {
                    let length = UnsafeRawPointer(nl) - p
                    return take(length, consumed: length + 1)
                }
                scanned = have
            }
            if scanned > maxLineLength {
                throw InputError(file: path, place: .line(lineNumber + 1, column: nil),
                                 message: "line is longer than \(maxLineLength) bytes", offsetIsDecompressed: compressionLayers > 0)
            }
            let more = try stream.guarded { try self.reader.ensure(scanned + 1) }
            if !more {
                if reader.available == 0 { return nil }
                return take(reader.available, consumed: reader.available)
            }
        }
    }

    private func take(_ length: Int, consumed: Int) -> UnsafeRawBufferPointer {
        var n = length
        let p = reader.pointer
        if n > 0 && p.load(fromByteOffset: n - 1, as: UInt8.self) == 0x0D { n -= 1 }
        lineNumber += 1
        lineOffset = reader.position
        reader.skip(consumed)
        return UnsafeRawBufferPointer(start: p, count: n)
    }

    /// The next line as a String (for formats where lines are few or need full parsing).
    public func nextString() throws -> String? {
        guard let b = try nextLine() else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    /// An error at the current line.
    public func error(_ message: String, column: Int? = nil) -> InputError {
        InputError(file: path, place: .line(lineNumber, column: column), message: message)
    }
}

#if canImport(Glibc)
import Glibc
#endif
