/// A growable buffer of plain values without Array's per-append uniqueness checks, for writing
/// state keys (the explorer's hottest loop). A value type over memory it does not free by itself:
/// its owner calls `deallocate()` (see `CanonicalScratch`).
struct Sink<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    @inline(__always) mutating func append(_ element: Element) {
        if count == capacity { grow(to: capacity * 2) }
        base[count] = element
        count += 1
    }

    mutating func append(_ elements: UnsafeBufferPointer<Element>) {
        if count + elements.count > capacity { grow(to: max(capacity * 2, count + elements.count)) }
        if let source = elements.baseAddress { (base + count).update(from: source, count: elements.count) }
        count += elements.count
    }

    @inline(__always) mutating func removeAll() { count = 0 }

    /// What was written, valid until the next write.
    var elements: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
    var mutableElements: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }

    /// Elements `range` of what was written.
    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base + range.lowerBound, count: range.count) }

    private mutating func grow(to newCapacity: Int) {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}

typealias ByteSink = Sink<UInt8>

/// LEB128 with zig-zag, so small values of either sign take one byte.
@inline(__always) func appendVarint(_ sink: inout ByteSink, _ value: Int) {
    if value >= 0 && value < 64 {
        sink.append(UInt8(value << 1))
        return
    }
    var rest = UInt64(bitPattern: Int64((value << 1) ^ (value >> 63)))
    while rest >= 0x80 {
        sink.append(UInt8(rest & 0x7F) | 0x80)
        rest >>= 7
    }
    sink.append(UInt8(rest))
}
