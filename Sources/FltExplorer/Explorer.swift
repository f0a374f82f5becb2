import FltModel
import FltProperties
import FltSemantics

#if canImport(Glibc)
import Glibc
#endif

/// Bounds on an exploration. Hitting one makes the verdict inconclusive, never a pass.
public struct Limits: Sendable {
    /// Transitions from the initial state beyond which states are not expanded.
    public var maxDepth: Int?
    /// Distinct states stored beyond which exploration stops.
    public var maxStates: Int?
    /// Resident memory (bytes) beyond which exploration stops.
    public var maxMemory: Int?
    public init(maxDepth: Int? = nil, maxStates: Int? = nil, maxMemory: Int? = nil) {
        self.maxDepth = maxDepth
        self.maxStates = maxStates
        self.maxMemory = maxMemory
    }
}

/// How to search.
public struct SearchOptions: Sendable {
    public enum Strategy: String, Sendable, CaseIterable {
        /// Breadth-first: every counterexample is a shortest one. The default.
        case bfs
        /// Depth-first: memory for the search stack only (the visited set stays), counterexamples
        /// need not be shortest.
        case dfs
    }
    public var strategy: Strategy
    /// Store one state per orbit of interchangeable requests (see `StateCanonicalizer`).
    public var symmetry: Bool
    /// Keep 64-bit fingerprints instead of whole states (see `StateStore`).
    public var hashCompaction: Bool
    /// Threads that expand states (BFS; DFS uses one); results do not depend on it.
    public var jobs: Int
    /// Stop at the first violation of an error-severity property (`BoundHit.firstViolation`): a
    /// quick "does it fail" for pre-merge checks; the other properties are left unchecked.
    public var stopAtFirstViolation: Bool
    /// Store a completed request that nothing refers to any more as "completed" alone (see
    /// `StateCanonicalizer.forgottenOperations`), where the model allows it.
    public var forgetCompleted: Bool
    /// Under symmetry reduction, leave out the steps of a thread that are, up to renaming
    /// interchangeable requests, those of another thread of the state (see
    /// `StateCanonicalizer.redundantThreads`).
    public var threadSymmetry: Bool
    public init(
        strategy: Strategy = .bfs, symmetry: Bool = true, hashCompaction: Bool = false, jobs: Int = 1, stopAtFirstViolation: Bool = false,
        forgetCompleted: Bool = true, threadSymmetry: Bool = true
    ) {
        self.strategy = strategy
        self.symmetry = symmetry
        self.threadSymmetry = threadSymmetry
        self.forgetCompleted = forgetCompleted
        self.hashCompaction = hashCompaction
        self.stopAtFirstViolation = stopAtFirstViolation
        // A depth-first search runs on one thread.
        self.jobs = strategy == .dfs ? 1 : max(1, jobs)
    }
}

/// Which bound stopped an exploration before it was exhaustive.
public enum BoundHit: Sendable, CustomStringConvertible {
    case depth(Int)
    case states(Int)
    /// --max-memory, in bytes.
    case memory(Int)
    /// Stopped on request (Ctrl-C).
    case interrupted
    /// The exact store's 4 GiB arena of compressed states is full.
    case storeFull
    /// `--stop-at-first`: stopped at the first violation; the properties not violated by then were
    /// not checked to the end.
    case firstViolation

    /// The search was random (RandomSearch.swift): it never covers every interleaving.
    case randomSearch(RandomSearchSummary)
    /// Bounded model checking (`--engine bmc`): runs longer than `depth` steps were not checked.
    case bmc(depth: Int, note: String?)
    /// Z3 could not decide some branch conditions over symbolic data (they were explored as
    /// feasible, so nothing was skipped, but a pass cannot be claimed).
    case solverUnknown(count: Int, reason: String)
    public var description: String {
        switch self {
        case .depth(let depth): "--max-depth \(depth) reached with states left unexpanded"
        case .states(let states): "--max-states \(states) reached"
        case .memory(let bytes): "--max-memory \(bytes / 1_048_576) MiB reached"
        case .interrupted: "interrupted (Ctrl-C) before the exploration finished"
        case .storeFull: "the exact state store is full (4 GiB of compressed states)"
        case .firstViolation: "stopped at the first violation (--stop-at-first)"
        case .randomSearch(let summary): summary.description
        case .bmc(let depth, let note): "bounded model checking covers runs of up to \(depth) steps\(note.map { "; \($0)" } ?? "")"
        case .solverUnknown(let count, let reason): "Z3 could not decide \(count) branch condition\(count == 1 ? "" : "s") over symbolic data (\(reason))"
        }
    }
}

/// How far an exploration has got, for progress lines.
public struct ExplorationProgress: Sendable {
    public let states: Int
    public let transitions: Int
    public let depth: Int
    public let seconds: Double
    /// Resident memory of the process, bytes.
    public let memory: Int
}

/// One line of a counterexample.
public struct TraceLine: Sendable {
    /// The transition (interleaving step) this event happened in, 1-based.
    public let step: Int
    public let event: Event
}

/// A run that violates a property, shortest among those of the property (BFS order).
public struct Counterexample: Sendable {
    public let violation: Violation
    /// Transitions from the initial state, the violating one included.
    public let steps: Int
    public let trace: [TraceLine]
    /// The transitions from the initial state, in order (`steps` of them): enough to replay the
    /// run with `Semantics.replay`. The last one is the violating step unless `atEndState`.
    public let path: [Transition]
    /// The violation is one of the state `path` ends in (a liveness property, judged where no
    /// thread can make progress), not of its last step.
    public let atEndState: Bool
}

/// What an exploration found and how much it covered.
public struct ExplorationResult: Sendable {
    public let statesStored: Int
    public let transitions: Int
    public let endStates: Int
    /// The greatest depth reached.
    public let depth: Int
    public let seconds: Double
    /// The first (shortest) counterexample of each violated property, in the order found.
    public let counterexamples: [Counterexample]
    /// Nil when the whole reachable state space was explored.
    public let bound: BoundHit?
    /// Bytes held by the visited set and the parent links.
    public let storeBytes: Int
    public let options: SearchOptions
    /// Whether symmetry reduction was applied, and why not when it was asked for and is not.
    public let symmetryApplied: Bool
    public let symmetryOffReason: String?
    /// Hash compaction: an upper bound on the probability that a state was missed; 0 when exact.
    public let omissionProbability: Double
    /// Peak resident memory of the process, bytes (0 when unknown).
    public let peakMemory: Int
    /// Z3's work for symbolic data; nil when the model has none.
    public var solver: SolverStatistics? = nil
    /// Whether completed requests nothing refers to were stored as "completed" alone.
    public var completedForgotten = false
    /// Steps of threads symmetric to another thread were left out (`SearchOptions.threadSymmetry`).
    public var symmetricThreadsSkipped = false
    /// Whether thread-local statements joined the step before them (`Semantics.mergesLocalSteps`):
    /// the counterexamples' steps replay only with the same setting.
    public var localStepsMerged = false
    /// Set when the result comes from bounded model checking: how the search line describes it.
    public var bmcSummary: String? = nil

    public init(
        statesStored: Int, transitions: Int, endStates: Int, depth: Int, seconds: Double, counterexamples: [Counterexample],
        bound: BoundHit?, storeBytes: Int, options: SearchOptions, symmetryApplied: Bool, symmetryOffReason: String?,
        omissionProbability: Double, peakMemory: Int
    ) {
        self.statesStored = statesStored
        self.transitions = transitions
        self.endStates = endStates
        self.depth = depth
        self.seconds = seconds
        self.counterexamples = counterexamples
        self.bound = bound
        self.storeBytes = storeBytes
        self.options = options
        self.symmetryApplied = symmetryApplied
        self.symmetryOffReason = symmetryOffReason
        self.omissionProbability = omissionProbability
        self.peakMemory = peakMemory
    }

    public var exhaustive: Bool { bound == nil }
}

/// Exhaustive search of a model's state space, breadth-first by default so that the first
/// counterexample found for a property is a shortest one. Visited states are kept as compact keys
/// (canonical under symmetry) in one table; each node keeps its parent and which successor of the
/// parent it is, and traces are rebuilt by replaying from the initial state.
public struct Explorer: Sendable {
    public let semantics: Semantics
    public let limits: Limits
    public let options: SearchOptions

    public init(semantics: Semantics, limits: Limits = Limits(), options: SearchOptions = SearchOptions()) {
        self.semantics = semantics
        self.limits = limits
        self.options = options
    }

    struct Found {
        let violation: Violation
        /// The node the violation happened from (step violation) or at (end state).
        let node: Int
        /// Which successor of the node violated it (a step violation), in `Expander.expand` order.
        let ordinal: Int?
        /// For a fair cycle: transitions from `node` back to it, repeated forever.
        var cycle: [Transition] = []
    }

    /// One successor as the expanding thread leaves it for the merge.
    struct Expanded {
        /// Set when the step broke a property; its state is not stored.
        let violation: Violation?
        let warnings: [Violation]
        /// Where its state is in the expansion's `states`: kept only for a successor not found
        /// `known` (the others' were dropped as soon as they were keyed).
        let state: Int?
        /// The threads its expansion skips (`Expander.skippedThreads`), worked out from its key
        /// while that was at hand: for a successor with a `state` only.
        let skipping: UInt64
        /// Where its key is in the expansion; nil for a violating step (not stored).
        let key: StoredKey?
        /// The node of the state when the expanding thread found it already stored (BFS and DFS
        /// look successors up in the store as it was when the state was expanded).
        let known: Int?
        /// For the fair-cycle graph (models with loops only).
        let edge: (transition: Transition, threadName: String)?
    }

    /// A key written into an `Expansion`: its bytes `keys[bytes]`, its components ending at
    /// `ends[ends]` (with numbers `componentNumbers[ends]` and hashes `componentHashes[ends]` for
    /// the exact store) and, for hash compaction, its hash.
    struct StoredKey {
        let bytes: Range<Int>
        let ends: Range<Int>
        let hash: UInt64
    }

    /// One expanded state: its successors and what its own state breaks.
    struct Expansion {
        var successors: [Expanded] = []
        /// The states of the successors not found `known`, encoded (`Expanded.state`).
        var states: EncodedStates?
        /// The successors' keys, back to back, and where their components end.
        var keys: [UInt8] = []
        var ends: [UInt16] = []
        /// The hash of each component, as `ends`, for the exact store (computed by the expanding
        /// thread, not the merging one); 0 where its number is known.
        var componentHashes: [UInt64] = []
        /// The number of each component, as `ends`, where the expanding thread found it in the exact
        /// store, else -1.
        var componentNumbers: [Int32] = []
        var endViolations: [Violation] = []
        var isEnd = false

        /// Empties it for another state, keeping its buffers.
        mutating func removeAll() {
            successors.removeAll(keepingCapacity: true)
            states?.removeAll()
            keys.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            componentHashes.removeAll(keepingCapacity: true)
            componentNumbers.removeAll(keepingCapacity: true)
            endViolations = []
            isEnd = false
        }

        /// Where successor `ordinal`'s state is in `states`, and the threads its expansion skips: a
        /// successor the merge has just stored, which was not `known`, so its state was kept.
        func addedState(_ ordinal: Int) -> (states: EncodedStates, index: Int, skipping: UInt64) {
            guard let states, let index = successors[ordinal].state else {
                preconditionFailure("a successor found already stored has no state to explore")
            }
            return (states, index, successors[ordinal].skipping)
        }
    }

    /// Explores until exhaustion, a bound, or `shouldStop` returns true. `progress` is called about
    /// twice a second.
    public func run(progress: (@Sendable (ExplorationProgress) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) -> ExplorationResult {
        var search = Search(explorer: self, progress: progress, shouldStop: shouldStop)
        return search.run()
    }

    /// Rebuilds the path to a violation: the successor ordinals from the node back to the initial
    /// state, taken again from the initial state with events recorded.
    func counterexample(_ found: Found, parents: [Int32], ordinals: [UInt16], initial: SystemState, expander: Expander) -> Counterexample {
        var steps: [Int] = []
        var cursor = found.node
        while cursor > 0 {
            steps.append(Int(ordinals[cursor]))
            cursor = Int(parents[cursor])
        }
        steps.reverse()
        if let last = found.ordinal { steps.append(last) }
        var state = initial
        var trace: [TraceLine] = []
        var path: [Transition] = []
        for (number, ordinal) in steps.enumerated() {
            let transition = semantics.successors(of: state, skipping: expander.skippedThreads(state))[ordinal].transition
            let successor = semantics.replay(transition, from: state)
            path.append(transition)
            trace += successor.events.map { TraceLine(step: number + 1, event: $0) }
            state = successor.state
        }
        if !found.cycle.isEmpty {
            let loopStart = path.count + 1
            for (offset, transition) in found.cycle.enumerated() {
                let successor = semantics.replay(transition, from: state)
                trace += successor.events.map { TraceLine(step: loopStart + offset, event: $0) }
                state = successor.state
            }
            path += found.cycle
            trace += semantics.dataTrace(state, step: path.count)
            trace.append(TraceLine(step: path.count, event: Event(
                operation: nil, actor: "fltcheck",
                text: "steps \(loopStart)–\(path.count) repeat forever, and every thread that stays able to run keeps running (weak fairness; cancels, teardown and unload starts need not come). \(found.violation.message)",
                changes: [], location: found.violation.location)))
            return Counterexample(violation: found.violation, steps: path.count, trace: trace, path: path, atEndState: false)
        }
        trace += semantics.dataTrace(state, step: path.count)
        if found.ordinal == nil {
            trace.append(TraceLine(step: path.count, event: Event(
                operation: nil, actor: "fltcheck", text: "no thread can make progress (a cancel or a teardown start could still come, but need not). \(found.violation.message)",
                changes: [], location: found.violation.location)))
        }
        return Counterexample(violation: found.violation, steps: path.count, trace: trace, path: path, atEndState: found.ordinal == nil)
    }
}

extension Semantics {
    /// The actor of a trace's line of symbolic-data values: a summary of the run, not an event of a step.
    public static let dataValuesActor = "Z3"

    /// For a run over symbolic data: the values Z3 found for its inputs, as a line of the last step.
    func dataTrace(_ state: SystemState, step: Int) -> [TraceLine] {
        guard let values = dataValues(in: state) else { return [] }
        return [TraceLine(step: step, event: Event(
            operation: nil, actor: Semantics.dataValuesActor, text: "this run happens with \(values.joined(separator: ", "))", changes: [], location: nil))]
    }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
