#if canImport(Glibc)
import Glibc
#endif

/// The visited-state set: one open-addressing table, no per-state heap objects.
///
/// - Exact mode keeps every state's key bytes in one arena and compares them on a hash match: no
///   state is ever missed.
/// - Hash-compaction mode keeps only a 64-bit fingerprint per state. Two different states with the
///   same fingerprint would be taken for one and the second never explored; `omissionProbability`
///   bounds the chance that this happened at all in the run.
struct StateStore {
    enum Mode: Sendable { case exact, hashCompaction }

    let mode: Mode
    /// Per slot: 1 + the node index, 0 for empty.
    private var slots: [UInt32]
    /// Per slot: the full 64-bit hash (hash compaction: the fingerprint).
    private var slotHashes: [UInt64]
    private var mask: Int
    /// Exact mode: node i's key is arena[starts[i] ..< starts[i + 1]].
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private(set) var count = 0

    init(mode: Mode, capacity: Int = 256) {
        self.mode = mode
        var size = 1 << 8
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
        slotHashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    /// Adds the key unless it is there. Returns the node index it has (new: `count - 1`) and
    /// whether it was added.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (node: Int, inserted: Bool) {
        if count * 2 >= slots.count { grow() }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if slotHashes[slot] == hash {
                let node = Int(entry) - 1
                if mode == .hashCompaction || keyEquals(node, key) { return (node, false) }
            }
            slot = (slot + 1) & mask
        }
        let node = count
        slots[slot] = UInt32(node + 1)
        slotHashes[slot] = hash
        if mode == .exact {
            arena.append(contentsOf: key)
            starts.append(arena.count)
        }
        count += 1
        return (node, true)
    }

    private func keyEquals(_ node: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[node], end = starts[node + 1]
        guard end - start == key.count else { return false }
        if key.isEmpty { return true }
        return arena.withUnsafeBufferPointer { stored in
            memcmp(stored.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    private mutating func grow() {
        let oldSlots = slots, oldHashes = slotHashes
        slots = [UInt32](repeating: 0, count: oldSlots.count * 2)
        slotHashes = [UInt64](repeating: 0, count: oldSlots.count * 2)
        mask = slots.count - 1
        for index in oldSlots.indices where oldSlots[index] != 0 {
            var slot = Int(truncatingIfNeeded: oldHashes[index]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = oldSlots[index]
            slotHashes[slot] = oldHashes[index]
        }
    }

    /// Bytes the set holds (table, arena and offsets).
    var bytes: Int {
        slots.count * 12 + (mode == .exact ? arena.count + starts.count * 8 : 0)
    }

    /// Hash compaction: an upper bound on the probability that two of the states stored had the same
    /// fingerprint (so that one was never explored): n(n-1)/2 pairs, 2^-64 each. 0 in exact mode.
    var omissionProbability: Double {
        guard mode == .hashCompaction else { return 0 }
        let states = Double(count)
        return min(1, states * (states - 1) / 2 / 18_446_744_073_709_551_616.0)
    }
}

