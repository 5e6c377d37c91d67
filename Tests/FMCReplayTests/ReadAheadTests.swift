// The read-ahead thread must be invisible: the consumer sees the source's sequence, its
// error where it threw, and the source is left alone once the reader is finished.

import Foundation
import Testing

@testable import FMCReplay

/// A counting source, touched by the reading thread only (checked under a lock).
final class CountingSource: @unchecked Sendable {
    let lock = NSLock()
    var produced = 0
    let count: Int
    let failAt: Int?
    struct Failure: Error, Equatable { var at: Int }

    init(count: Int, failAt: Int? = nil) {
        self.count = count
        self.failAt = failAt
    }

    func next() throws -> Int? {
        lock.lock()
        defer { lock.unlock() }
        if produced == failAt { throw Failure(at: produced) }
        guard produced < count else { return nil }
        produced += 1
        return produced - 1
    }

    var calls: Int {
        lock.lock()
        defer { lock.unlock() }
        return produced
    }
}

@Suite("reading ahead on a second thread")
struct ReadAheadTests {
    @Test("the same elements in the same order, then the end", arguments: [
        (0, 1, 1), (1, 1, 1), (10, 3, 2), (4096, 4096, 4), (10_000, 7, 3), (10_000, 4096, 4),
    ])
    func sequence(count: Int, batch: Int, depth: Int) throws {
        let source = CountingSource(count: count)
        let r = ReadAhead(batchSize: batch, depth: depth) { try source.next() }
        var seen: [Int] = []
        while let e = try r.next() { seen.append(e) }
        #expect(seen == Array(0..<count))
        #expect(try r.next() == nil, "the end stays the end")
        r.finish()
        r.finish()
        #expect(source.calls == count)
    }

    @Test("the source's error arrives after every element read before it", arguments: [0, 1, 4095, 4096, 5000])
    func error(at: Int) throws {
        let source = CountingSource(count: 10_000, failAt: at)
        let r = ReadAhead(batchSize: 4096, depth: 2) { try source.next() }
        defer { r.finish() }
        var seen = 0
        #expect(throws: CountingSource.Failure(at: at)) {
            while let e = try r.next() {
                #expect(e == seen)
                seen += 1
            }
        }
        #expect(seen == at)
        #expect(try r.next() == nil, "nothing after the error")
    }

    @Test("finishing early stops the reader, which reads at most a bounded distance ahead")
    func early() throws {
        let source = CountingSource(count: 1_000_000)
        let r = ReadAhead(batchSize: 100, depth: 3) { try source.next() }
        for i in 0..<250 { #expect(try r.next() == i) }
        r.finish()
        let after = source.calls
        // The batch in hand, `depth` waiting, and the one being filled when the reader stops.
        #expect(after <= 250 + 100 * (3 + 2))
        Thread.sleep(forTimeInterval: 0.05)
        #expect(source.calls == after, "the source is not touched after finish()")
        #expect(try r.next() == nil)
    }
}
