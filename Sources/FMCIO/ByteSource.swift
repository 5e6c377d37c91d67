// Byte sources that every fmc reader (captures, mobility traces) reads from: a plain file, a zlib inflater layered on
// any other source, and a prefetcher that moves a slow source (inflate) onto its own thread.
//
// Everything streams through fixed-size buffers, so memory does not grow with file length
// (DESIGN.md §4.4). Offsets reported to users are offsets in the stream a decoder sees,
// i.e. decompressed offsets for gzip input.

import CZlib
import FMCCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Something that fills a caller's buffer; returns 0 only at the end of the stream.
public protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A failure below the capture format: the file system or the compression layer.
public struct SourceError: Error {
    public var message: String
    /// Byte offset in the file (compressed offset for gzip errors), when known.
    public var fileOffset: Int64?
}

public final class FileSource: ByteSource {
    private let fd: Int32

    public init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SourceError(message: String(cString: strerror(errno)), fileOffset: nil) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw SourceError(message: "is a directory", fileOffset: nil)
        }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SourceError(message: "read failed: " + String(cString: strerror(errno)), fileOffset: nil)
        }
    }
}

/// gzip (RFC 1952) decompression through zlib. Concatenated members are read as one stream,
/// as gzip(1) does. Bytes after the last member that are not another member are counted and
/// left for the caller to report.
public final class GzipSource: ByteSource {
    private let input: ByteReader
    private var stream = z_stream()
    private var finished = false
    private var memberEnded = false
    /// Bytes after the final member that were not gzip data.
    public private(set) var trailingBytes: Int64 = 0

    public init(input: ByteReader) throws {
        self.input = input
        let rc = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw SourceError(message: "zlib init failed (\(rc))", fileOffset: 0) }
    }

    deinit { inflateEnd(&stream) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if finished { return 0 }
        var produced = 0
        while produced == 0 {
            if memberEnded {
                // Another member follows only if the next bytes carry the gzip magic.
                if try !input.ensure(2) {
                    trailingBytes = Int64(input.available)
                    input.skip(input.available)
                    finished = true
                    return 0
                }
                let p = input.pointer
                if p.load(as: UInt8.self) != 0x1F || p.load(fromByteOffset: 1, as: UInt8.self) != 0x8B {
                    trailingBytes = try input.drainCount()
                    finished = true
                    return 0
                }
                inflateReset(&stream)
                memberEnded = false
            }
            if input.available == 0 {
                guard try input.ensure(1) else {
                    throw SourceError(
                        message: "gzip data ends early: the compressed stream is truncated",
                        fileOffset: input.position)
                }
            }
            let availableIn = input.available
            stream.next_in = UnsafeMutablePointer(mutating: input.pointer.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = UInt32(truncatingIfNeeded: min(availableIn, Int(UInt32.max)))
            stream.next_out = buffer.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = UInt32(truncatingIfNeeded: min(buffer.count - produced, Int(UInt32.max)))
            let before = stream.avail_in
            let outBefore = stream.avail_out
            let rc = inflate(&stream, Z_NO_FLUSH)
            let consumed = Int(before - stream.avail_in)
            let at = input.position
            input.skip(consumed)
            produced += Int(outBefore - stream.avail_out)
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                if rc == Z_BUF_ERROR && consumed == 0 && produced == 0 && input.available > 0 {
                    throw SourceError(message: "gzip data is corrupt (zlib made no progress)", fileOffset: at)
                }
            case Z_STREAM_END:
                memberEnded = true
                if produced == 0 { continue }
                return produced
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw SourceError(message: "gzip data is corrupt: \(detail)", fileOffset: at + Int64(consumed))
            }
            if produced > 0 { return produced }
        }
        return produced
    }
}

/// Runs another source on a background thread, a few chunks ahead of the reader. For gzip
/// input the second core then inflates while the first decodes, so decoding costs little
/// on top of decompression.
public final class PrefetchSource: ByteSource {
    private let inner: ByteSource
    private let chunkSize: Int
    private let condition = NSCondition()
    private var ready: [(UnsafeMutableRawBufferPointer, Int)] = []
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var failure: Error?
    private var innerEnded = false
    private var stopped = false
    private var current: (UnsafeMutableRawBufferPointer, Int)?
    private var currentOffset = 0
    private var thread: Thread?

    public init(inner: ByteSource, chunkSize: Int = 1 << 20, chunks: Int = 4) {
        self.inner = inner
        self.chunkSize = chunkSize
        for _ in 0..<chunks {
            free.append(UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16))
        }
        let t = Thread { [unowned self] in self.produce() }
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    deinit {
        for b in free { b.deallocate() }
        for (b, _) in ready { b.deallocate() }
        if let (b, _) = current { b.deallocate() }
    }

    /// Stops the producer and waits for it; must be called before the source is dropped.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while thread != nil { condition.wait() }
        condition.unlock()
    }

    private func produce() {
        while true {
            condition.lock()
            while free.isEmpty && !stopped { condition.wait() }
            if stopped { thread = nil; condition.broadcast(); condition.unlock(); return }
            let chunk = free.removeLast()
            condition.unlock()
            var filled = 0
            var error: Error?
            do {
                while filled < chunkSize {
                    let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[filled...]))
                    if n == 0 { break }
                    filled += n
                }
            } catch let e { error = e }
            condition.lock()
            if filled > 0 { ready.append((chunk, filled)) } else { free.append(chunk) }
            let done = error != nil || filled < chunkSize
            if let error { failure = error }
            if done { innerEnded = true }
            condition.broadcast()
            if done { thread = nil; condition.unlock(); return }
            condition.unlock()
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if current == nil {
            condition.lock()
            while ready.isEmpty && !innerEnded { condition.wait() }
            if ready.isEmpty {
                let f = failure
                condition.unlock()
                if let f { throw f }
                return 0
            }
            current = ready.removeFirst()
            currentOffset = 0
            condition.unlock()
        }
        let (chunk, length) = current!
        let n = min(buffer.count, length - currentOffset)
        buffer.baseAddress!.copyMemory(from: chunk.baseAddress! + currentOffset, byteCount: n)
        currentOffset += n
        if currentOffset == length {
            current = nil
            condition.lock()
            free.append(chunk)
            condition.broadcast()
            condition.unlock()
        }
        return n
    }
}

/// A growable window over a source: decoders ask for `n` contiguous bytes at the cursor and
/// read them in place, so a record is copied at most once (when the window slides).
public final class ByteReader: ByteSource {
    private let source: ByteSource
    private var buffer: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    private var start = 0
    private var end = 0
    private var base: Int64 = 0
    public private(set) var atEnd = false

    public init(source: ByteSource, capacity: Int = 1 << 20) {
        self.source = source
        self.capacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Stream offset of the cursor.
    @inline(__always) public var position: Int64 { base + Int64(start) }
    @inline(__always) public var available: Int { end - start }
    @inline(__always) public var pointer: UnsafeRawPointer { UnsafeRawPointer(buffer + start) }

    /// True when at least `n` bytes are available at the cursor; false only at end of stream.
    @inline(__always)
    public func ensure(_ n: Int) throws -> Bool {
        if end - start >= n { return true }
        return try fill(n)
    }

    @inline(__always)
    public func skip(_ n: Int) { start += n }

    private func fill(_ n: Int) throws -> Bool {
        if n > capacity {
            var c = capacity
            while c < n { c *= 2 }
            let b = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
            b.copyMemory(from: buffer + start, byteCount: end - start)
            buffer.deallocate()
            buffer = b
            capacity = c
            base += Int64(start)
            end -= start
            start = 0
        } else if start + n > capacity || start == end {
            let live = end - start
            if live > 0 { (buffer).copyMemory(from: buffer + start, byteCount: live) }
            base += Int64(start)
            end = live
            start = 0
        }
        while end - start < n && !atEnd {
            let r = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
            if r == 0 { atEnd = true } else { end += r }
        }
        return end - start >= n
    }

    /// Moves the cursor `n` bytes ahead, reading through data that is not buffered;
    /// returns how many bytes were actually skipped (fewer at end of stream).
    public func advance(_ n: Int64) throws -> Int64 {
        var left = n
        while left > 0 {
            if available == 0 { if try !ensure(1) { break } }
            let step = Int(min(left, Int64(available)))
            skip(step)
            left -= Int64(step)
        }
        return n - left
    }

    /// Consumes everything that remains and returns its length.
    public func drainCount() throws -> Int64 {
        var total: Int64 = 0
        while try ensure(1) {
            total += Int64(available)
            skip(available)
        }
        return total
    }

    /// As a source, a reader hands out its buffered bytes first, then reads straight through.
    public func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        if available == 0 {
            if atEnd { return 0 }
            if out.count >= capacity / 2 {
                let n = try source.read(into: out)
                base += Int64(start) + Int64(n)
                start = 0
                end = 0
                if n == 0 { atEnd = true }
                return n
            }
            if try !ensure(1) { return 0 }
        }
        let n = min(out.count, available)
        out.baseAddress!.copyMemory(from: pointer, byteCount: n)
        skip(n)
        return n
    }
}

/// A file opened through however many gzip layers it has, ready for a format decoder.
public final class LayeredStream {
    public let path: String
    public private(set) var reader: ByteReader
    public private(set) var gzipLayers: [GzipSource] = []
    private var prefetch: PrefetchSource?

    public var compressionLayers: Int { gzipLayers.count }
    /// Non-gzip bytes after the last member of any layer (gzip(1) ignores them too).
    public var trailingGarbage: Int64 { gzipLayers.reduce(0) { $0 + $1.trailingBytes } }

    /// Opens `path`; gzip is recognised by its magic (1f 8b) at the start of each layer.
    public init(path: String) throws {
        self.path = path
        let file: FileSource
        do {
            file = try FileSource(path: path)
        } catch let e as SourceError {
            throw InputError(file: path, place: .whole, message: "cannot open: \(e.message)")
        }
        reader = ByteReader(source: file)
        while try guarded({ try self.reader.ensure(2) }) {
            let p = reader.pointer
            guard p.load(as: UInt8.self) == 0x1F, p.load(fromByteOffset: 1, as: UInt8.self) == 0x8B else { break }
            guard gzipLayers.count < 4 else {
                throw InputError(file: path, place: .byte(0), message: "more than 4 nested gzip layers", offsetIsDecompressed: true)
            }
            let gz = try guarded { try GzipSource(input: self.reader) }
            gzipLayers.append(gz)
            reader = ByteReader(source: gz)
        }
        if !gzipLayers.isEmpty {
            // Inflate on the second core. The peeked bytes are still in the current reader,
            // so the prefetcher reads through it.
            let pre = PrefetchSource(inner: reader)
            prefetch = pre
            reader = ByteReader(source: pre)
        }
    }

    deinit { prefetch?.stop() }

    /// Runs a read, turning source failures into an `InputError` naming the file.
    public func guarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let s as SourceError {
            throw InputError(file: path, place: s.fileOffset.map { .byte($0) } ?? .whole, message: s.message)
        }
    }
}
