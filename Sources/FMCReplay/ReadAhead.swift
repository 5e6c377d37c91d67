// Reading the inputs on a thread of their own. Parsing a mobility trace (and decoding a
// capture) is about an eighth of a replay's work; done beside the emulation, it costs the
// emulation nothing while the second core has room.

import Foundation

/// Pulls elements from `source` on its own thread, in batches, a few batches ahead of the
/// consumer. The consumer sees exactly the sequence it would have seen calling `source`
/// itself: the same elements in the same order, then the source's error, if it threw, at the
/// place where it threw, or the end.
///
/// Memory stays bounded: at most `depth` filled batches wait. Batches go back to the reading
/// thread once used and are refilled there, so elements are freed on the thread that made
/// them (glibc's malloc locks an arena when another thread frees into it).
///
/// `source` is called on the reading thread only, until it returns nil or throws, or until
/// `finish()`. Whatever the source keeps (counters, statistics) may be read once `finish()`
/// has returned.
final class ReadAhead<Element>: @unchecked Sendable {
    private struct Batch {
        var elements: [Element] = []
        /// What ended the batch early: the source's error, or its end.
        var error: Error?
        var end = false
    }

    private let batchSize: Int
    private let depth: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var ready: [Batch] = []
    private var spent: [[Element]] = []
    private var stopping = false
    private var readerDone = false
    // The consumer's own.
    private var current = Batch()
    private var position = 0
    private var over = false

    init(batchSize: Int = 4096, depth: Int = 4, source: @escaping () throws -> Element?) {
        precondition(batchSize > 0 && depth > 0)
        self.batchSize = batchSize
        self.depth = depth
        let thread = Thread { [self] in read(source) }
        thread.name = "fmc read-ahead"
        thread.start()
    }

    /// The next element, the source's error, or nil at the end (and after `finish()`).
    func next() throws -> Element? {
        if over { return nil }
        while position == current.elements.count {
            if let e = current.error {
                over = true
                throw e
            }
            if current.end {
                over = true
                return nil
            }
            let used = current.elements  // emptied by the reading thread, which made them
            current = Batch()
            condition.lock()
            spent.append(used)
            while ready.isEmpty { condition.wait() }
            current = ready.removeFirst()
            condition.broadcast()
            condition.unlock()
            position = 0
        }
        defer { position += 1 }
        return current.elements[position]
    }

    /// Stops the reading thread (if it is still reading) and waits until it has: the source
    /// is not touched after this returns. Idempotent. Every ReadAhead must be finished: until
    /// then its thread keeps it (and the source) alive.
    func finish() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !readerDone { condition.wait() }
        ready.removeAll()
        condition.unlock()
        over = true
    }

    private func read(_ source: () throws -> Element?) {
        var done = false
        while !done {
            condition.lock()
            var elements = spent.popLast() ?? []
            let stop = stopping
            condition.unlock()
            if stop { break }
            elements.removeAll(keepingCapacity: true)
            elements.reserveCapacity(batchSize)
            var batch = Batch()
            do {
                while elements.count < batchSize {
                    guard let e = try source() else {
                        batch.end = true
                        break
                    }
                    elements.append(e)
                }
            } catch {
                batch.error = error
            }
            batch.elements = elements
            done = batch.end || batch.error != nil
            condition.lock()
            while ready.count >= depth && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                break
            }
            ready.append(batch)
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        readerDone = true
        condition.broadcast()
        condition.unlock()
    }
}
