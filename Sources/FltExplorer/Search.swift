import Dispatch
import FltProperties
import FltSemantics

#if canImport(Glibc)
import Glibc
#endif

/// One run of an `Explorer`: the visited set, the parent links and what was found.
struct Search {
    let explorer: Explorer
    let progress: (@Sendable (ExplorationProgress) -> Void)?
    let shouldStop: (@Sendable () -> Bool)?
    /// One per exploring thread; the first uses the explorer's own semantics.
    let expanders: [Expander]
    var canonicalizer: StateCanonicalizer { expanders[0].canonicalizer }
    /// With loops the graph can have cycles; keep what the fair-cycle check needs.
    var recordGraph: Bool { expanders[0].recordGraph }
    var store: StateStore
    /// Per node: the node it was first reached from, and which successor of it (in
    /// `Expander.expand` order) it is.
    var parents: [Int32] = []
    var ordinals: [UInt16] = []
    var found: [Explorer.Found] = []
    var violated: Set<String> = []
    var transitions = 0
    var endStates = 0
    var depth = 0
    var bound: BoundHit?
    var graph = StateGraph()
    let start = monotonicSeconds()
    var lastReport = monotonicSeconds()
    var peakMemory = 0

    init(explorer: Explorer, progress: (@Sendable (ExplorationProgress) -> Void)?, shouldStop: (@Sendable () -> Bool)?) {
        self.explorer = explorer
        self.progress = progress
        self.shouldStop = shouldStop
        let jobs = explorer.options.strategy == .bfs ? explorer.options.jobs : 1
        expanders = (0..<jobs).map { job in
            Expander(
                semantics: job == 0 ? explorer.semantics : explorer.semantics.independentCopy(), symmetry: explorer.options.symmetry,
                forgetCompleted: explorer.options.forgetCompleted, threadSymmetry: explorer.options.threadSymmetry,
                hashCompaction: explorer.options.hashCompaction)
        }
        store = StateStore(mode: explorer.options.hashCompaction ? .hashCompaction : .exact)
    }

    private var semantics: Semantics { explorer.semantics }

    mutating func run() -> ExplorationResult {
        let initial = semantics.initialState()
        var first = Explorer.Expansion()
        let key = expanders[0].appendKey(of: initial, to: &first)
        _ = insert(key, of: first)
        parents.append(-1)
        ordinals.append(0)
        if recordGraph { graph.add(initial) }
        switch explorer.options.strategy {
        case .bfs: breadthFirst(initial)
        case .dfs: depthFirst(initial)
        }
        if recordGraph && bound == nil {
            for cycle in graph.fairCycles(semantics) where violated.insert(cycle.violation.property.id).inserted {
                found.append(Explorer.Found(violation: cycle.violation, node: cycle.node, ordinal: nil, cycle: cycle.transitions))
            }
        }
        peakMemory = max(peakMemory, residentMemory())
        let counterexamples = found.map { explorer.counterexample($0, parents: parents, ordinals: ordinals, initial: initial, expander: expanders[0]) }
        let solver = semantics.solverStatistics
        if bound == nil, let solver, solver.unknowns > 0 {
            bound = .solverUnknown(count: solver.unknowns, reason: solver.firstUnknownReason ?? "unknown")
        }
        var result = ExplorationResult(
            statesStored: parents.count, transitions: transitions, endStates: endStates, depth: depth,
            seconds: monotonicSeconds() - start, counterexamples: counterexamples, bound: bound,
            storeBytes: store.bytes + parents.count * 6, options: explorer.options,
            symmetryApplied: canonicalizer.reduces, symmetryOffReason: canonicalizer.offReason,
            omissionProbability: store.omissionProbability, peakMemory: peakMemory)
        result.solver = solver
        result.completedForgotten = canonicalizer.forgetsCompleted
        result.symmetricThreadsSkipped = expanders[0].skipsSymmetricThreads
        result.localStepsMerged = semantics.mergesLocalSteps
        return result
    }

    // MARK: Breadth-first

    /// Level by level; each level in batches that `jobs` threads expand in parallel and one thread
    /// merges in order, so the result (states, counterexamples) does not depend on `jobs`.
    private mutating func breadthFirst(_ initial: SystemState) {
        // A level's states are kept encoded until expanded, each decoded by the thread expanding it:
        // as `SystemState`s the widest levels took most of the memory (FilterStack N=4 without
        // symmetry: 1.03 GB at the peak against a 107 MB store).
        var frontier = EncodedStates(like: initial)
        var frontierNodes: [Int] = [0]
        var frontierSkips: [UInt64] = [expanders[0].skippedThreads(initial)]
        frontier.append(initial)
        let jobs = explorer.options.jobs
        // One thread merges each state's successors right after making them, while they are still in
        // its caches (FilterStack N=5, --jobs 1, medians of 8: 2.10 s in batches of 256, 1.68 s one by
        // one; the instruction counts are the same). Threads need batches to share the work, and the
        // smaller a batch the more of what it allocates is still cached when it is merged and freed:
        // one thread expanding batches of 1,024 took 50% more CPU time than one by one, and --jobs 2
        // (medians of 10) 1.47 s in batches of 512 per thread, 1.36 s in batches of 64.
        let batchSize = jobs == 1 ? 1 : 64 * jobs
        var next = EncodedStates(like: initial)
        var nextNodes: [Int] = []
        var nextSkips: [UInt64] = []
        var expansions: [Explorer.Expansion] = []
        levels: while !frontier.isEmpty {
            next.removeAll()
            nextNodes.removeAll(keepingCapacity: true)
            nextSkips.removeAll(keepingCapacity: true)
            var batchStart = 0
            while batchStart < frontier.count {
                let batch = batchStart..<min(frontier.count, batchStart + batchSize)
                batchStart = batch.upperBound
                expandAll(batch, of: frontier, nodes: frontierNodes, skips: frontierSkips, into: &expansions)
                for (node, expansion) in zip(frontierNodes[batch], expansions) {
                    guard judge(expansion, of: node, atDepth: depth) else {
                        if case .firstViolation? = bound { break levels }
                        continue
                    }
                    // By index: the successors are borrowed from the expansion, not copied out.
                    for ordinal in expansion.successors.indices {
                        guard let added = visit(ordinal, in: expansion, from: node) else {
                            if bound != nil { break levels }
                            continue
                        }
                        let (states, index, skipping) = expansion.addedState(ordinal)
                        next.append(states, index)
                        nextNodes.append(added)
                        nextSkips.append(skipping)
                    }
                }
                if checkpoint() { break levels }
            }
            swap(&frontier, &next)
            swap(&frontierNodes, &nextNodes)
            swap(&frontierSkips, &nextSkips)
            if !frontier.isEmpty { depth += 1 }
        }
    }

    /// Expands the frontier entries `batch` into `expansions`, reusing the expansions already
    /// there and their buffers: at `--jobs 1` one expansion serves every state; with several
    /// threads each refills the same indices batch after batch, so little is allocated or freed,
    /// and hardly anything on another thread than the one that allocated it (the expansions are
    /// made anew only when the batch size changes, around the last batch of a level). FilterStack
    /// N=5 at 2 jobs, medians of 9 interleaved runs: 0.68 -> 0.60 s, user time 1.07 -> 0.96 s,
    /// against new expansions each batch freed on their threads.
    private func expandAll(_ batch: Range<Int>, of frontier: EncodedStates, nodes: [Int], skips: [UInt64], into expansions: inout [Explorer.Expansion]) {
        let expanders = self.expanders
        if expansions.count != batch.count { expansions = Array(repeating: Explorer.Expansion(), count: batch.count) }
        // Nothing inserts while the threads expand, so they can all read the store: through a
        // pointer, since a copy per lookup would retain its arrays from every thread.
        withUnsafePointer(to: store) { store in
            let store = StorePointer(pointer: store)
            expansions.withUnsafeMutableBufferPointer { buffer in
                let results = ExpansionSlots(buffer: buffer)
                @Sendable func expand(_ index: Int, by job: Int) {
                    let entry = batch.lowerBound + index
                    expanders[job].expand(entry: entry, of: frontier, node: nodes[entry], skipping: skips[entry], in: store, into: &results.buffer[index])
                }
                if expanders.count == 1 || batch.count < 64 {
                    for index in 0..<batch.count { expand(index, by: 0) }
                    return
                }
                DispatchQueue.concurrentPerform(iterations: expanders.count) { job in
                    for index in batch.count * job / expanders.count ..< batch.count * (job + 1) / expanders.count { expand(index, by: job) }
                }
            }
        }
    }

    // MARK: Depth-first

    private mutating func depthFirst(_ initial: SystemState) {
        struct Frame {
            let node: Int
            let depth: Int
            let expansion: Explorer.Expansion
            var next = 0
        }
        var stack: [Frame] = []
        let expander = expanders[0]
        let first = withUnsafePointer(to: store) { expander.expand(initial, node: 0, skipping: expander.skippedThreads(initial), in: StorePointer(pointer: $0)) }
        if judge(first, of: 0, atDepth: 0) { stack.append(Frame(node: 0, depth: 0, expansion: first)) }
        if case .firstViolation? = bound { return }
        var sinceCheck = 0
        while let top = stack.last {
            guard top.next < top.expansion.successors.count else {
                stack.removeLast()
                continue
            }
            let ordinal = top.next
            stack[stack.count - 1].next += 1
            guard let added = visit(ordinal, in: top.expansion, from: top.node) else {
                if bound != nil { return }
                continue
            }
            let childDepth = top.depth + 1
            depth = max(depth, childDepth)
            let (states, index, skipping) = top.expansion.addedState(ordinal)
            let expansion = withUnsafePointer(to: store) {
                expander.expand(entry: index, of: states, node: added, skipping: skipping, in: StorePointer(pointer: $0))
            }
            if judge(expansion, of: added, atDepth: childDepth) {
                stack.append(Frame(node: added, depth: childDepth, expansion: expansion))
            }
            if case .firstViolation? = bound { return }
            sinceCheck += 1
            if sinceCheck >= 1024 {
                sinceCheck = 0
                if checkpoint() { return }
            }
        }
    }

    // MARK: Shared

    /// Records what the expanded state itself breaks; false when its successors are not to be
    /// visited (none, or the depth bound).
    private mutating func judge(_ expansion: Explorer.Expansion, of node: Int, atDepth level: Int) -> Bool {
        if expansion.isEnd { endStates += 1 }
        for violation in expansion.endViolations where violated.insert(violation.property.id).inserted {
            found.append(Explorer.Found(violation: violation, node: node, ordinal: nil))
            if stopsAt(violation) {
                bound = .firstViolation
                return false
            }
        }
        if expansion.successors.isEmpty { return false }
        if let maxDepth = explorer.limits.maxDepth, level >= maxDepth {
            bound = .depth(maxDepth)
            return false
        }
        return true
    }

    /// Takes one successor of `node`: records its violations and warnings, stores it if it is new.
    /// Returns the new node, or nil (already known, a violating step, or a bound: then `bound` is set).
    /// The successor is read in place (`expansion.successors[ordinal]`): copying it out retains
    /// every array of its state.
    private mutating func visit(_ ordinal: Int, in expansion: Explorer.Expansion, from node: Int) -> Int? {
        transitions += 1
        for warning in expansion.successors[ordinal].warnings where violated.insert(warning.property.id).inserted {
            found.append(Explorer.Found(violation: warning, node: node, ordinal: ordinal))
        }
        if let violation = expansion.successors[ordinal].violation {
            if violated.insert(violation.property.id).inserted {
                found.append(Explorer.Found(violation: violation, node: node, ordinal: ordinal))
                if stopsAt(violation) { bound = .firstViolation }
            }
            return nil
        }
        if store.isFull {
            bound = .storeFull
            return nil
        }
        guard let key = expansion.successors[ordinal].key else { return nil }
        let (known, inserted) = expansion.successors[ordinal].known.map { ($0, false) } ?? insert(key, of: expansion)
        if !inserted {
            if let edge = expansion.successors[ordinal].edge { graph.connect(node, known, edge.transition, edge.threadName) }
            return nil
        }
        if let maxStates = explorer.limits.maxStates, parents.count >= maxStates {
            bound = .states(maxStates)
            return nil
        }
        parents.append(Int32(node))
        ordinals.append(UInt16(ordinal))
        if let edge = expansion.successors[ordinal].edge {
            let (states, index, _) = expansion.addedState(ordinal)
            graph.add(states, index)
            graph.connect(node, known, edge.transition, edge.threadName)
        }
        return known
    }

    /// Adds a key written into `expansion` to the store.
    private mutating func insert(_ key: Explorer.StoredKey, of expansion: Explorer.Expansion) -> (node: Int, inserted: Bool) {
        expansion.keys.withUnsafeBufferPointer { keys in
            expansion.ends.withUnsafeBufferPointer { ends in
                expansion.componentHashes.withUnsafeBufferPointer { hashes in
                    expansion.componentNumbers.withUnsafeBufferPointer { numbers in
                        store.insert(
                            UnsafeBufferPointer(rebasing: keys[key.bytes]), ends: UnsafeBufferPointer(rebasing: ends[key.ends]),
                            componentNumbers: hashCompactionStore ? UnsafeBufferPointer(start: nil, count: 0) : UnsafeBufferPointer(rebasing: numbers[key.ends]),
                            componentHashes: hashCompactionStore ? UnsafeBufferPointer(start: nil, count: 0) : UnsafeBufferPointer(rebasing: hashes[key.ends]),
                            hash: key.hash)
                    }
                }
            }
        }
    }

    private var hashCompactionStore: Bool { store.mode == .hashCompaction }

    /// Whether `--stop-at-first` ends the search at this violation (advisory warnings never do).
    private func stopsAt(_ violation: Violation) -> Bool {
        explorer.options.stopAtFirstViolation && violation.property.severity == .error
    }

    /// Progress, --max-memory and Ctrl-C, about twice a second. True when the search must stop.
    private mutating func checkpoint() -> Bool {
        let now = monotonicSeconds()
        guard now - lastReport >= 0.5 else { return false }
        lastReport = now
        let memory = residentMemory()
        peakMemory = max(peakMemory, memory)
        progress?(ExplorationProgress(states: parents.count, transitions: transitions, depth: depth, seconds: now - start, memory: memory))
        if let maxMemory = explorer.limits.maxMemory, memory > maxMemory {
            bound = .memory(maxMemory)
            return true
        }
        if shouldStop?() == true {
            bound = .interrupted
            return true
        }
        return false
    }
}

/// The store, read by every exploring thread while none inserts.
struct StorePointer: @unchecked Sendable {
    let pointer: UnsafePointer<StateStore>
}

/// Buffers an expander reuses for every lookup. Unchecked: one thread uses them (see
/// `CanonicalScratch`).
private final class LookupScratch: @unchecked Sendable {
    @exclusivity(unchecked) var bytes: [UInt8] = []
    /// The component numbers of the state being expanded.
    @exclusivity(unchecked) var parent: [Int32] = []
}

/// The buffers a state is decoded into (`Expander.expand(entry:of:node:skipping:in:)`). Unchecked:
/// one thread uses them (see `CanonicalScratch`).
private final class DecodedState: @unchecked Sendable {
    @exclusivity(unchecked) var state: SystemState?
}

/// How large an expander's expansions have grown.
private final class ExpansionSizes: @unchecked Sendable {
    var successors = 0
    var keys = 0
    var ends = 0
    var stateBytes = 256

    func grow(to expansion: Explorer.Expansion) {
        successors = max(successors, expansion.successors.count)
        stateBytes = max(stateBytes, expansion.states?.encodedBytes ?? 0)
        keys = max(keys, expansion.keys.count)
        ends = max(ends, expansion.ends.count)
    }
}

/// The expansions several threads fill, each its own indices. Unchecked: no two threads touch
/// the same index, and the buffer outlives them (`expandAll`).
private struct ExpansionSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Explorer.Expansion>
}

/// The process's resident memory in bytes (from /proc/self/statm), 0 when unknown.
func residentMemory() -> Int {
    let descriptor = open("/proc/self/statm", O_RDONLY)
    guard descriptor >= 0 else { return 0 }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 128)
    let length = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 127) }
    guard length > 0 else { return 0 }
    let fields = String(decoding: buffer[0..<length], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Expands states for one exploring thread: its own semantics, canonicalizer and buffers.
struct Expander: @unchecked Sendable {
    let semantics: Semantics
    let canonicalizer: StateCanonicalizer
    let recordGraph: Bool
    /// Used by one thread at a time (each worker has its own expander).
    let scratch = CanonicalScratch()
    /// The working state successors are made in, used by one thread at a time like `scratch`.
    private let successorScratch = SuccessorScratch()
    /// The state being expanded, decoded into the same buffers each time, used like `scratch`.
    private let expanding = DecodedState()
    /// The component numbers of a key being looked up, used by one thread at a time like `scratch`.
    private let lookupScratch = LookupScratch()
    /// The largest expansion so far, used by one thread at a time like `scratch`.
    private let largest = ExpansionSizes()

    /// The store keeps fingerprints (needs the key's hash), else components (needs theirs).
    let hashCompaction: Bool
    /// Whether threads symmetric to another are left out (`SearchOptions.threadSymmetry`, where
    /// symmetry reduction applies).
    let skipsSymmetricThreads: Bool

    init(semantics: Semantics, symmetry: Bool, forgetCompleted: Bool, threadSymmetry: Bool, hashCompaction: Bool) {
        self.semantics = semantics
        canonicalizer = StateCanonicalizer(program: semantics.program, enabled: symmetry, forgetCompleted: forgetCompleted)
        skipsSymmetricThreads = threadSymmetry && canonicalizer.reduces
        recordGraph = semantics.program.hasLoops
        self.hashCompaction = hashCompaction
    }

    /// Appends the state's key, its component ends and what the store needs to `expansion`: with
    /// hash compaction the key's hash, else each component's number where `store` has the
    /// component and its hash where not. A successor's component at the place of one of its
    /// parent's (`lookupScratch.parent`) is most often the same bytes: comparing them is cheaper
    /// than hashing and looking the component up.
    func appendKey(of state: SystemState, to expansion: inout Explorer.Expansion, in store: StorePointer? = nil) -> Explorer.StoredKey {
        let key = canonicalizer.key(state, scratch: scratch)
        let start = expansion.keys.count, endsStart = expansion.ends.count
        expansion.keys.append(contentsOf: key)
        expansion.ends.append(contentsOf: scratch.componentEnds)
        if hashCompaction {
            return Explorer.StoredKey(bytes: start..<expansion.keys.count, ends: endsStart..<expansion.ends.count, hash: stateHash(UnsafeRawBufferPointer(key)))
        }
        let ends = scratch.componentEnds
        let first = expansion.componentNumbers.count
        expansion.componentNumbers.append(contentsOf: repeatElement(-1, count: ends.count))
        expansion.componentHashes.append(contentsOf: repeatElement(0, count: ends.count))
        let parent = store == nil ? [] : lookupScratch.parent
        expansion.componentNumbers.withUnsafeMutableBufferPointer { numbers in
            expansion.componentHashes.withUnsafeMutableBufferPointer { hashes in
                parent.withUnsafeBufferPointer { parent in
                    // A thread that came or went moves the threads sorted after it by one place.
                    var shift = 0
                    var componentStart = 0
                    for (index, end) in ends.enumerated() {
                        let component = UnsafeBufferPointer(rebasing: key[componentStart..<Int(end)])
                        componentStart = Int(end)
                        guard let store else {
                            hashes[first + index] = stateHash(UnsafeRawBufferPointer(component))
                            continue
                        }
                        func matches(_ place: Int) -> Bool {
                            place >= 0 && place < parent.count && store.pointer.pointee.component(Int(parent[place]), is: component)
                        }
                        if let place = matches(index + shift) ? index + shift : matches(index + shift + 1) ? index + shift + 1
                            : matches(index + shift - 1) ? index + shift - 1 : nil {
                            numbers[first + index] = parent[place]
                            shift = place - index
                            continue
                        }
                        let hash = stateHash(UnsafeRawBufferPointer(component))
                        numbers[first + index] = store.pointer.pointee.componentNumber(component, hash: hash).map { Int32(truncatingIfNeeded: $0) } ?? -1
                        hashes[first + index] = hash
                    }
                }
            }
        }
        return Explorer.StoredKey(bytes: start..<expansion.keys.count, ends: endsStart..<expansion.ends.count, hash: 0)
    }

    /// The node of a key in `store`. Takes the key's component numbers, not the expansion, which
    /// the caller would have to copy (retaining its arrays) out of the closure it is changed in.
    private func lookUp(_ key: Explorer.StoredKey, numbers: UnsafeBufferPointer<Int32>, in store: StorePointer) -> Int? {
        if hashCompaction { return store.pointer.pointee.node(fingerprint: key.hash) }
        guard StateStore.collapse(UnsafeBufferPointer(rebasing: numbers[key.ends]), into: &lookupScratch.bytes) else { return nil }
        return store.pointer.pointee.node(collapsed: lookupScratch.bytes)
    }

    /// The threads `expand` leaves out of `state`: the same in the search and when a counterexample
    /// is rebuilt, whose ordinals count only the successors taken.
    func skippedThreads(_ state: SystemState) -> UInt64 {
        skipsSymmetricThreads ? canonicalizer.redundantThreads(state, scratch: scratch) : 0
    }

    /// Decodes state `entry` of `states` and expands it (see below).
    func expand(entry: Int, of states: EncodedStates, node: Int, skipping: UInt64, in store: StorePointer) -> Explorer.Expansion {
        var expansion = Explorer.Expansion()
        expand(entry: entry, of: states, node: node, skipping: skipping, in: store, into: &expansion)
        return expansion
    }

    /// The same into `expansion`, emptied first, whose buffers it reuses.
    func expand(entry: Int, of states: EncodedStates, node: Int, skipping: UInt64, in store: StorePointer, into expansion: inout Explorer.Expansion) {
        states.read(entry, into: &expanding.state)
        guard let state = expanding.state else { preconditionFailure("a decoded state is missing") }
        expand(state, node: node, skipping: skipping, in: store, into: &expansion)
    }

    /// Expands `state` into a new expansion (see below).
    func expand(_ state: SystemState, node: Int, skipping: UInt64, in store: StorePointer) -> Explorer.Expansion {
        var expansion = Explorer.Expansion()
        expand(state, node: node, skipping: skipping, in: store, into: &expansion)
        return expansion
    }

    /// Expands stored state `node`, leaving out the threads `skipping` (its `skippedThreads`) and
    /// reading `store` (which nothing changes meanwhile). Each successor already in it is marked
    /// `known` and its state dropped at once; the others' states are encoded into the expansion.
    func expand(_ state: SystemState, node: Int, skipping: UInt64, in store: StorePointer, into expansion: inout Explorer.Expansion) {
        expansion.removeAll()
        // Room for as much as the largest expansion so far: growing the arrays one append at a
        // time cost about four reallocations of each per state (FilterStack N=4).
        expansion.successors.reserveCapacity(largest.successors)
        expansion.keys.reserveCapacity(largest.keys)
        expansion.ends.reserveCapacity(largest.ends)
        if !hashCompaction {
            expansion.componentHashes.reserveCapacity(largest.ends)
            expansion.componentNumbers.reserveCapacity(largest.ends)
            store.pointer.pointee.componentNumbers(of: node, into: &lookupScratch.parent)
        }
        defer { largest.grow(to: expansion) }
        if semantics.isQuiescent(state) { expansion.endViolations = semantics.endStateViolations(state) }
        // Each successor is lent, one working state reset for each: it is keyed and, when new,
        // encoded, so no successor allocates a state of its own.
        semantics.forEachSuccessorLent(of: state, skipping: skipping, scratch: successorScratch) { successor, step in
            let edge = recordGraph ? (step.transition, semantics.threadName(of: step.transition, in: state)) : nil
            if step.violation != nil {
                expansion.successors.append(Explorer.Expanded(violation: step.violation, warnings: step.warnings, state: nil, skipping: 0, key: nil, known: nil, edge: edge))
                return
            }
            let key = appendKey(of: successor, to: &expansion, in: store)
            if let known = expansion.componentNumbers.withUnsafeBufferPointer({ lookUp(key, numbers: $0, in: store) }) {
                expansion.successors.append(Explorer.Expanded(violation: nil, warnings: step.warnings, state: nil, skipping: 0, key: key, known: known, edge: edge))
            } else {
                let states = expansion.states ?? EncodedStates(like: successor, capacity: largest.stateBytes)
                expansion.states = states
                states.append(successor)
                // The scratch still holds the key just written (the lookup uses its own).
                let skips = skipsSymmetricThreads ? canonicalizer.redundantThreads(successor, scratch: scratch, keyed: true) : 0
                expansion.successors.append(Explorer.Expanded(
                    violation: nil, warnings: step.warnings, state: states.count - 1, skipping: skips, key: key, known: nil, edge: edge))
            }
        }
        expansion.isEnd = expansion.successors.isEmpty
    }
}
