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

    fileprivate mutating func grow(to newCapacity: Int) {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}

typealias ByteSink = Sink<UInt8>

extension Sink where Element == UInt8 {
    /// Makes room for `bound` bytes once and lets `body` write at most that many through a cursor,
    /// which keeps its position in a register: appending byte by byte reloaded and stored the count
    /// for every byte of a state key.
    @inline(__always) mutating func writing(atMost bound: Int, _ body: (inout ByteCursor) -> Void) {
        if count + bound > capacity { grow(to: max(capacity * 2, count + bound)) }
        var cursor = ByteCursor(next: base + count, limit: base + count + bound)
        body(&cursor)
        count = cursor.next - base
    }
}

/// Where `Sink.writing` writes the next byte.
struct ByteCursor {
    fileprivate(set) var next: UnsafeMutablePointer<UInt8>
    let limit: UnsafeMutablePointer<UInt8>

    @inline(__always) mutating func append(_ byte: UInt8) {
        precondition(next < limit, "a state key outgrew the room reserved for it")
        next.pointee = byte
        next += 1
    }
}

/// The most bytes `appendVarint` writes for one value.
let maxVarintBytes = 10

/// What `appendVarint` writes to: a sink, or a cursor into room reserved in one.
protocol ByteAppending {
    mutating func append(_ byte: UInt8)
}

extension Sink: ByteAppending where Element == UInt8 {}
extension ByteCursor: ByteAppending {}

/// LEB128 with zig-zag, so small values of either sign take one byte.
@inline(__always) func appendVarint<Bytes: ByteAppending>(_ sink: inout Bytes, _ value: Int) {
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
