// A binary min-heap. Event queues order by (time, sequence); reorder buffers release what a
// watermark has passed. Ties are the caller's to break in `less`, so order is deterministic.

// Inlinable so that each use is specialized for its element type: unspecialized generic code
// across module boundaries costs more than the heap operations themselves.
public struct MinHeap<Element> {
    @usableFromInline var items: [Element] = []
    @usableFromInline let less: (Element, Element) -> Bool

    @inlinable
    public init(less: @escaping (Element, Element) -> Bool) { self.less = less }

    @inlinable public var isEmpty: Bool { items.isEmpty }
    @inlinable public var count: Int { items.count }
    @inlinable public var min: Element? { items.first }

    @inlinable
    public mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    @inlinable @discardableResult
    public mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && less(items[l], items[m]) { m = l }
            if r < items.count && less(items[r], items[m]) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
