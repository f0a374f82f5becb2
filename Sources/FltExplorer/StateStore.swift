import FltSemantics

#if canImport(Glibc)
import Glibc
#endif

/// The visited-state set: open-addressing tables over byte arenas, no per-state heap objects.
///
/// - Exact mode never misses a state. It compresses keys the way Spin's COLLAPSE does: a key is a
///   sequence of components (the globals, each request, each thread), each component is interned
///   once in a table of its own, and a state is stored as the varint numbers of its components —
///   a few bytes, because few distinct components occur.
/// - Hash-compaction mode keeps only a 64-bit fingerprint per state. Two different states with the
///   same fingerprint would be taken for one and the second never explored; `omissionProbability`
///   bounds the chance that this happened at all in the run.
struct StateStore {
    enum Mode: Sendable { case exact, hashCompaction }

    let mode: Mode
    /// Exact mode: the distinct components.
    private var components = KeyTable()
    /// Exact mode: each state's component numbers, back to back; state i's are
    /// compressed[starts[i] ..< starts[i + 1]].
    private var compressed: [UInt8] = []
    private var starts: [UInt32] = [0]
    /// Per slot: 1 + the node index, 0 for empty.
    private var slots = [UInt32](repeating: 0, count: 256)
    /// Hash compaction: per slot, the fingerprint.
    private var fingerprints: [UInt64]
    private(set) var count = 0
    /// Exact mode: the component numbers of the key being inserted.
    private var scratch: [UInt8] = []

    init(mode: Mode) {
        self.mode = mode
        fingerprints = mode == .hashCompaction ? [UInt64](repeating: 0, count: 256) : []
    }

    /// Whether another state fits: exact mode addresses its arena with 32-bit offsets.
    var isFull: Bool { mode == .exact && compressed.count > Int(UInt32.max) - 4096 }

    /// Adds the state unless it is there: `key` is its bytes, `ends` where each of its components
    /// ends in them, `componentNumbers` the number of each component where the expanding thread
    /// found it (-1 where it did not, `componentHashes` then holds its hash), `hash` the hash of
    /// `key`. Returns its node index and whether it was added.
    mutating func insert(
        _ key: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<UInt16>, componentNumbers: UnsafeBufferPointer<Int32>,
        componentHashes: UnsafeBufferPointer<UInt64>, hash: UInt64
    ) -> (node: Int, inserted: Bool) {
        switch mode {
        case .hashCompaction: return insertFingerprint(hash)
        case .exact: return insertCollapsed(key, ends: ends, componentNumbers: componentNumbers, componentHashes: componentHashes)
        }
    }

    /// The node of a stored state, nil when it is not stored, by its hash (hash compaction). Only
    /// reads, so several threads may look up at once while none inserts.
    func node(fingerprint: UInt64) -> Int? { probeFingerprint(fingerprint).node }

    /// The node of a stored state by its component numbers as `collapse` wrote them (exact mode).
    /// Only reads, like `node(fingerprint:)`.
    func node(collapsed: [UInt8]) -> Int? { probeCollapsed(collapsed).node }

    /// Writes a state's component numbers into `scratch` as the exact store keeps them; false
    /// when one is -1 (a component not stored, so the state is not either). Static: a lookup
    /// that changed an inout argument while reading the store through a pointer copied the store.
    /// Each number a little-endian base-128 varint, written through a pointer and appended at once
    /// (an append a byte cost most of a lookup). `insertCollapsed` writes the same.
    static func collapse(_ componentNumbers: UnsafeBufferPointer<Int32>, into scratch: inout [UInt8]) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: componentNumbers.count * 5) { buffer in
            var count = 0
            for number in componentNumbers {
                guard number >= 0 else { return false }
                var rest = UInt32(number)
                while rest >= 0x80 {
                    buffer[count] = UInt8(rest & 0x7F) | 0x80
                    count += 1
                    rest >>= 7
                }
                buffer[count] = UInt8(rest)
                count += 1
            }
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
            return true
        }
    }

    /// The number of a stored component, nil when it is not stored (exact mode). Only reads.
    func componentNumber(_ component: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        components.lookup(component, hash: hash)
    }

    /// Whether stored component `number` has these bytes (exact mode). Only reads.
    func component(_ number: Int, is bytes: UnsafeBufferPointer<UInt8>) -> Bool { components.keyEquals(number, bytes) }

    /// The component numbers of stored state `node`, in key order (exact mode), into `numbers`.
    func componentNumbers(of node: Int, into numbers: inout [Int32]) {
        numbers.removeAll(keepingCapacity: true)
        guard mode == .exact else { return }
        compressed.withUnsafeBufferPointer { stored in
            var offset = Int(starts[node])
            let end = Int(starts[node + 1])
            while offset < end {
                var value = 0, shift = 0
                while true {
                    let byte = stored[offset]
                    offset += 1
                    value |= Int(byte & 0x7F) << shift
                    if byte < 0x80 { break }
                    shift += 7
                }
                numbers.append(Int32(truncatingIfNeeded: value))
            }
        }
    }

    /// Where `fingerprint` is, or the empty slot it would go to.
    @inline(__always) private func probeFingerprint(_ fingerprint: UInt64) -> (slot: Int, node: Int?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: fingerprint) & mask
        while slots[slot] != 0 {
            if fingerprints[slot] == fingerprint { return (slot, Int(slots[slot]) - 1) }
            slot = (slot + 1) & mask
        }
        return (slot, nil)
    }

    /// Where the state with these component numbers is, or the empty slot it would go to.
    @inline(__always) private func probeCollapsed(_ componentNumbers: [UInt8]) -> (slot: Int, node: Int?) {
        let hash = componentNumbers.withUnsafeBytes { stateHash($0) }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let node = Int(slots[slot]) - 1
            if storedKeyEquals(node, componentNumbers) { return (slot, node) }
            slot = (slot + 1) & mask
        }
        return (slot, nil)
    }

    private mutating func insertFingerprint(_ fingerprint: UInt64) -> (node: Int, inserted: Bool) {
        var (slot, known) = probeFingerprint(fingerprint)
        if let known { return (known, false) }
        if isHalfFull {
            grow()
            slot = probeFingerprint(fingerprint).slot
        }
        slots[slot] = UInt32(count + 1)
        fingerprints[slot] = fingerprint
        count += 1
        return (count - 1, true)
    }

    private mutating func insertCollapsed(
        _ key: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<UInt16>, componentNumbers: UnsafeBufferPointer<Int32>,
        componentHashes: UnsafeBufferPointer<UInt64>
    ) -> (node: Int, inserted: Bool) {
        // The components the expanding thread did not find are stored first, then the numbers collapsed.
        let collapsed = withUnsafeTemporaryAllocation(of: Int32.self, capacity: ends.count) { numbers in
            var start = 0
            for (index, end) in ends.enumerated() {
                numbers[index] = componentNumbers[index] >= 0
                    ? componentNumbers[index]
                    : Int32(components.insert(UnsafeBufferPointer(rebasing: key[start..<Int(end)]), hash: componentHashes[index]).node)
                start = Int(end)
            }
            return Self.collapse(UnsafeBufferPointer(numbers), into: &scratch)
        }
        precondition(collapsed, "a component number is missing after storing the components")
        var (slot, known) = probeCollapsed(scratch)
        if let known { return (known, false) }
        if isHalfFull {
            grow()
            slot = probeCollapsed(scratch).slot
        }
        slots[slot] = UInt32(count + 1)
        compressed.append(contentsOf: scratch)
        starts.append(UInt32(compressed.count))
        count += 1
        return (count - 1, true)
    }

    private func storedKeyEquals(_ node: Int, _ key: [UInt8]) -> Bool {
        let start = Int(starts[node]), end = Int(starts[node + 1])
        guard end - start == key.count else { return false }
        return compressed.withUnsafeBufferPointer { stored in
            key.withUnsafeBufferPointer { memcmp(stored.baseAddress! + start, $0.baseAddress!, key.count) == 0 }
        }
    }

    /// Whether the table is to grow before a state is added: only then, so that its size (and
    /// `bytes`) depends on the states stored, not on how often states already stored were offered.
    private var isHalfFull: Bool { count * 2 >= slots.count }

    private mutating func grow() {
        let size = slots.count * 2
        var grown = [UInt32](repeating: 0, count: size)
        var grownFingerprints = mode == .hashCompaction ? [UInt64](repeating: 0, count: size) : []
        for index in slots.indices where slots[index] != 0 {
            let hash: UInt64
            switch mode {
            case .hashCompaction: hash = fingerprints[index]
            case .exact:
                let node = Int(slots[index]) - 1
                hash = compressed.withUnsafeBytes { stateHash(UnsafeRawBufferPointer(rebasing: $0[Int(starts[node])..<Int(starts[node + 1])])) }
            }
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while grown[slot] != 0 { slot = (slot + 1) & (size - 1) }
            grown[slot] = slots[index]
            if mode == .hashCompaction { grownFingerprints[slot] = hash }
        }
        slots = grown
        fingerprints = grownFingerprints
    }

    /// Bytes the set holds.
    var bytes: Int {
        slots.count * 4 + fingerprints.count * 8 + compressed.count + starts.count * 4 + components.bytes
    }

    /// Distinct components interned (exact mode).
    var componentCount: Int { components.count }

    /// Hash compaction: an upper bound on the probability that two of the states stored had the same
    /// fingerprint (so that one was never explored): n(n-1)/2 pairs, 2^-64 each. 0 in exact mode.
    var omissionProbability: Double {
        guard mode == .hashCompaction else { return 0 }
        let states = Double(count)
        return min(1, states * (states - 1) / 2 / 18_446_744_073_709_551_616.0)
    }
}

/// An exact set of byte strings, numbered in insertion order.
struct KeyTable {
    /// Per slot: 1 + the key's number, 0 for empty; and the key's full hash.
    private var slots = [UInt32](repeating: 0, count: 64)
    private var slotHashes = [UInt64](repeating: 0, count: 64)
    /// Key i is arena[starts[i] ..< starts[i + 1]].
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private(set) var count = 0

    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (node: Int, inserted: Bool) {
        var (slot, known) = probe(key, hash: hash)
        if let known { return (known, false) }
        // Grows only to add a key (see `StateStore.isHalfFull`).
        if count * 2 >= slots.count {
            grow()
            slot = probe(key, hash: hash).slot
        }
        slots[slot] = UInt32(count + 1)
        slotHashes[slot] = hash
        arena.append(contentsOf: key)
        starts.append(arena.count)
        count += 1
        return (count - 1, true)
    }

    /// The key's number, nil when it is not in the table.
    func lookup(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? { probe(key, hash: hash).node }

    /// Where the key is, or the empty slot it would go to.
    @inline(__always) private func probe(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (slot: Int, node: Int?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            if slotHashes[slot] == hash, keyEquals(Int(slots[slot]) - 1, key) { return (slot, Int(slots[slot]) - 1) }
            slot = (slot + 1) & mask
        }
        return (slot, nil)
    }

    func keyEquals(_ node: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[node], end = starts[node + 1]
        guard end - start == key.count else { return false }
        if key.isEmpty { return true }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, key.baseAddress!, key.count) == 0 }
    }

    private mutating func grow() {
        let size = slots.count * 2
        var grown = [UInt32](repeating: 0, count: size)
        var grownHashes = [UInt64](repeating: 0, count: size)
        for index in slots.indices where slots[index] != 0 {
            var slot = Int(truncatingIfNeeded: slotHashes[index]) & (size - 1)
            while grown[slot] != 0 { slot = (slot + 1) & (size - 1) }
            grown[slot] = slots[index]
            grownHashes[slot] = slotHashes[index]
        }
        slots = grown
        slotHashes = grownHashes
    }

    var bytes: Int { slots.count * 12 + arena.count + starts.count * 8 }
}
