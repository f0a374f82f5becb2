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
    let canonicalizer: StateCanonicalizer
    /// With loops the graph can have cycles; keep what the fair-cycle check needs.
    let recordGraph: Bool
    var store: StateStore
    /// Per node: the node it was first reached from, and which successor of it (in
    /// `Semantics.successors(of:)` order) it is.
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
        canonicalizer = StateCanonicalizer(program: explorer.semantics.program, enabled: explorer.options.symmetry)
        recordGraph = explorer.semantics.program.hasLoops
        store = StateStore(mode: explorer.options.hashCompaction ? .hashCompaction : .exact)
    }

    private var semantics: Semantics { explorer.semantics }

    mutating func run() -> ExplorationResult {
        let initial = semantics.initialState()
        let key = canonicalizer.key(initial)
        key.withUnsafeBufferPointer { _ = store.insert($0, hash: stateHash(UnsafeRawBufferPointer($0))) }
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
        let counterexamples = found.map { explorer.counterexample($0, parents: parents, ordinals: ordinals, initial: initial) }
        return ExplorationResult(
            statesStored: parents.count, transitions: transitions, endStates: endStates, depth: depth,
            seconds: monotonicSeconds() - start, counterexamples: counterexamples, bound: bound,
            storeBytes: store.bytes + parents.count * 6, options: explorer.options,
            symmetryApplied: canonicalizer.reduces, symmetryOffReason: canonicalizer.offReason,
            omissionProbability: store.omissionProbability, peakMemory: peakMemory)
    }

    // MARK: Breadth-first

    /// Level by level; each level in batches that `jobs` threads expand in parallel and one thread
    /// merges in order, so the result (states, counterexamples) does not depend on `jobs`.
    private mutating func breadthFirst(_ initial: SystemState) {
        var frontier: [(state: SystemState, node: Int)] = [(initial, 0)]
        let jobs = explorer.options.jobs
        let batchSize = jobs == 1 ? 256 : 512 * jobs
        levels: while !frontier.isEmpty {
            var next: [(state: SystemState, node: Int)] = []
            var batchStart = 0
            while batchStart < frontier.count {
                let batch = frontier[batchStart..<min(frontier.count, batchStart + batchSize)]
                batchStart += batch.count
                let expansions = expandAll(batch.map(\.state), jobs: jobs)
                for (entry, expansion) in zip(batch, expansions) {
                    guard judge(expansion, of: entry.node, atDepth: depth) else { continue }
                    for (ordinal, successor) in expansion.successors.enumerated() {
                        guard let added = visit(successor, keys: expansion.keys, ordinal: ordinal, from: entry.node) else {
                            if bound != nil { break levels }
                            continue
                        }
                        next.append((successor.state, added))
                    }
                }
                if checkpoint() { break levels }
            }
            frontier = next
            if !next.isEmpty { depth += 1 }
        }
    }

    private func expandAll(_ states: [SystemState], jobs: Int) -> [Explorer.Expansion] {
        let explorer = self.explorer, canonicalizer = self.canonicalizer, recordGraph = self.recordGraph
        if jobs == 1 || states.count < 64 {
            return states.map { explorer.expand($0, canonicalizer: canonicalizer, recordGraph: recordGraph) }
        }
        let results = UnsafeSendableBuffer<Explorer.Expansion>(count: states.count)
        defer { results.deallocate() }
        let chunks = min(jobs * 4, states.count)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = states.count * chunk / chunks ..< states.count * (chunk + 1) / chunks
            for index in range {
                results.initialize(index, to: explorer.expand(states[index], canonicalizer: canonicalizer, recordGraph: recordGraph))
            }
        }
        return results.moveToArray()
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
        let first = explorer.expand(initial, canonicalizer: canonicalizer, recordGraph: recordGraph)
        if judge(first, of: 0, atDepth: 0) { stack.append(Frame(node: 0, depth: 0, expansion: first)) }
        var sinceCheck = 0
        while let top = stack.last {
            guard top.next < top.expansion.successors.count else {
                stack.removeLast()
                continue
            }
            let ordinal = top.next
            stack[stack.count - 1].next += 1
            let successor = top.expansion.successors[ordinal]
            guard let added = visit(successor, keys: top.expansion.keys, ordinal: ordinal, from: top.node) else {
                if bound != nil { return }
                continue
            }
            let childDepth = top.depth + 1
            depth = max(depth, childDepth)
            let expansion = explorer.expand(successor.state, canonicalizer: canonicalizer, recordGraph: recordGraph)
            if judge(expansion, of: added, atDepth: childDepth) {
                stack.append(Frame(node: added, depth: childDepth, expansion: expansion))
            }
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
    private mutating func visit(_ successor: Explorer.Expanded, keys: [UInt8], ordinal: Int, from node: Int) -> Int? {
        transitions += 1
        for warning in successor.warnings where violated.insert(warning.property.id).inserted {
            found.append(Explorer.Found(violation: warning, node: node, ordinal: ordinal))
        }
        if let violation = successor.violation {
            if violated.insert(violation.property.id).inserted {
                found.append(Explorer.Found(violation: violation, node: node, ordinal: ordinal))
            }
            return nil
        }
        let (known, inserted) = keys.withUnsafeBufferPointer { store.insert(UnsafeBufferPointer(rebasing: $0[successor.key]), hash: successor.hash) }
        if !inserted {
            if let edge = successor.edge { graph.connect(node, known, edge.transition, edge.threadName) }
            return nil
        }
        if let maxStates = explorer.limits.maxStates, parents.count >= maxStates {
            bound = .states(maxStates)
            return nil
        }
        parents.append(Int32(node))
        ordinals.append(UInt16(ordinal))
        if let edge = successor.edge {
            graph.add(successor.state)
            graph.connect(node, known, edge.transition, edge.threadName)
        }
        return known
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

/// Results written by several threads, each to its own indices.
private final class UnsafeSendableBuffer<Element>: @unchecked Sendable {
    private let pointer: UnsafeMutablePointer<Element>
    private let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: count)
    }

    func initialize(_ index: Int, to value: Element) { (pointer + index).initialize(to: value) }

    /// Every index must have been initialized.
    func moveToArray() -> [Element] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = buffer.baseAddress!.moveInitialize(from: pointer, count: count)
            initialized = count
        }
    }

    func deallocate() { pointer.deallocate() }
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
