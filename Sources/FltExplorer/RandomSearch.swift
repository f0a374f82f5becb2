import FltProperties
import FltSemantics

// Random and swarm search, for models too large to explore exhaustively (`verify --strategy random`).
//
// Walks go from the initial state, each step taking one successor at random, until a violation, a
// state with no successors or the walk-length cap. Everything random comes from `SplitMix64`, and
// walk number k draws from a generator seeded by (seed, k) alone, so a seed and a number of walks
// fix the result exactly, whatever the machine or the time budget. A violating walk is shrunk
// (`PathShrinker`) before it is reported. Random search never proves anything: its verdict is
// violated or inconclusive, never holds.

// MARK: - Deterministic randomness

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
/// 2014): a 64-bit generator whose whole sequence is fixed by its seed, on every platform and Swift
/// version. `SystemRandomNumberGenerator` cannot be seeded, and `Int.random(in:using:)` does not
/// promise how it turns 64-bit draws into a bounded value, so bounded draws use `next(below:)`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// A uniform draw from `0..<bound`; 0 when `bound` is 0. Draws below 2^64 mod `bound` are
    /// rejected, so every value is equally likely (plain `%` would favour the small ones).
    public mutating func next(below bound: UInt64) -> UInt64 {
        guard bound > 1 else { return 0 }
        let rejectedBelow = (0 &- bound) % bound
        while true {
            let draw = next()
            if draw >= rejectedBelow { return draw % bound }
        }
    }

    /// SplitMix64's output function: a bijective mix of all 64 bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The generator of walk `walk` (1-based) of a search seeded with `seed`. Deriving each walk's
    /// seed by mixing, not by continuing one stream, keeps a walk independent of how many draws
    /// the walks before it took, and the streams of different walks apart.
    static func forWalk(_ walk: Int, of seed: UInt64) -> SplitMix64 {
        SplitMix64(seed: mix(seed ^ mix(UInt64(truncatingIfNeeded: walk) &+ 0xD1B5_4A32_D192_ED03)))
    }
}

// MARK: - Options and summary

/// Why random search options are unusable. The messages name the `verify` options they come from.
public enum RandomSearchOptionsError: Error, CustomStringConvertible, Sendable, Equatable {
    case walksBelowOne(Int)
    case secondsNotPositive(Double)
    case walkLengthBelowOne(Int)
    case shrinkStepsNegative(Int)

    public var description: String {
        switch self {
        case .walksBelowOne(let walks): "--walks must be at least 1 (got \(walks))"
        case .secondsNotPositive(let seconds): "--budget must be a positive duration (got \(seconds) s)"
        case .walkLengthBelowOne(let length): "--max-walk-length must be at least 1 (got \(length))"
        case .shrinkStepsNegative(let steps): "the shrinking budget must not be negative (got \(steps) steps)"
        }
    }
}

/// How a random search runs and when it stops.
public struct RandomSearchOptions: Sendable, Equatable {
    /// Walks are cut after this many steps, so a model with loops cannot keep one walk forever.
    public static let defaultMaxWalkLength = 10_000
    /// The budget when neither walks nor seconds are given.
    public static let defaultWalks = 1_000
    /// Steps shrinking may replay in all, per counterexample; enough for walks of a few hundred
    /// steps to become 1-minimal, while a 10 000-step walk cannot stall the report for minutes.
    public static let defaultMaxShrinkSteps = 200_000

    public let seed: UInt64
    /// Stop after this many walks; nil for no walk limit.
    public let maxWalks: Int?
    /// Stop starting walks after this many seconds; nil for no time limit. Checked between walks,
    /// so the walks done are whole, and `--seed S --walks N` repeats the run exactly.
    public let maxSeconds: Double?
    public let maxWalkLength: Int
    /// Steps `PathShrinker` may replay for each counterexample (0: report walks unshrunk).
    public let maxShrinkSteps: Int

    /// With neither `maxWalks` nor `maxSeconds`, the search stops after `defaultWalks` walks.
    /// With both, it stops at whichever comes first.
    public init(
        seed: UInt64, maxWalks: Int? = nil, maxSeconds: Double? = nil,
        maxWalkLength: Int = RandomSearchOptions.defaultMaxWalkLength,
        maxShrinkSteps: Int = RandomSearchOptions.defaultMaxShrinkSteps
    ) throws(RandomSearchOptionsError) {
        if let maxWalks, maxWalks < 1 { throw .walksBelowOne(maxWalks) }
        if let maxSeconds, !(maxSeconds > 0) { throw .secondsNotPositive(maxSeconds) }
        if maxWalkLength < 1 { throw .walkLengthBelowOne(maxWalkLength) }
        if maxShrinkSteps < 0 { throw .shrinkStepsNegative(maxShrinkSteps) }
        self.seed = seed
        self.maxWalks = maxWalks ?? (maxSeconds == nil ? RandomSearchOptions.defaultWalks : nil)
        self.maxSeconds = maxSeconds
        self.maxWalkLength = maxWalkLength
        self.maxShrinkSteps = maxShrinkSteps
    }
}

/// How one counterexample of a random search was shrunk.
public struct ShrinkReport: Sendable, Equatable {
    public let property: String
    /// The walk (1-based) that found it.
    public let walk: Int
    /// Its steps as the walk took them, and after shrinking.
    public let walkSteps: Int
    public let shrunkSteps: Int
    /// The shrinking budget ran out: the trace may still have steps that could go.
    public let budgetExhausted: Bool
}

/// What a random search did, enough to repeat it exactly: it rides in `BoundHit.randomSearch`, so
/// every report that states the bound states this.
public struct RandomSearchSummary: Sendable, CustomStringConvertible {
    /// Why the search stopped.
    public enum Stop: Sendable, Equatable {
        /// It did the walks asked for.
        case walks
        /// The time budget ran out (between walks).
        case time
        /// Stopped on request (Ctrl-C), between walks.
        case interrupted
        /// Walk `walk` found a violation of an error-severity property.
        case violation(walk: Int)
    }

    public let seed: UInt64
    /// Walks done, the last one included.
    public let walks: Int
    /// Steps taken over all walks.
    public let steps: Int
    public let maxWalkLength: Int
    /// Walks cut at `maxWalkLength` (neither stuck nor violating).
    public let walksCut: Int
    /// Distinct states seen, by a 64-bit hash of their encoding (a collision would undercount).
    /// Counting stops at `RandomSearch.distinctStateCap`; then `distinctStatesCapped`.
    public let distinctStates: Int
    public let distinctStatesCapped: Bool
    public let stop: Stop
    /// One per counterexample, in the order of `ExplorationResult.counterexamples`.
    public let shrinking: [ShrinkReport]

    /// The `verify` options that repeat this run exactly: the same seed and exactly the walks
    /// done, whether they were asked for by number or fit in a time budget.
    public var repeatArguments: [String] {
        ["--strategy", "random", "--seed", String(seed), "--walks", String(walks), "--max-walk-length", String(maxWalkLength)]
    }

    public func shrinkReport(for property: String) -> ShrinkReport? {
        shrinking.first { $0.property == property }
    }

    public var description: String {
        switch stop {
        case .violation(let walk):
            "random search (seed \(seed)): walk \(walk) found a violation; the other properties are not proved"
        case .walks, .time, .interrupted:
            "random search (seed \(seed)): \(walks) walk\(walks == 1 ? "" : "s") found no violation; this is not a proof"
        }
    }
}

// MARK: - The search

/// Random walks over a model's state space, biased per walk in the manner of swarm testing (Groce,
/// Zhang, Eide, Chen and Regehr, "Swarm testing", ISSTA 2012).
///
/// Each walk starts at the initial state. At each state, a quiescent one is checked for liveness
/// violations (as `Explorer` does), then one successor is taken at random, and its violation and
/// warnings are recorded. A walk ends at a violation, at a state with no successors, or after
/// `maxWalkLength` steps. The search stops after the walk that finds the first violation of an
/// error-severity property (advisories found before it are reported too), or when the budget is
/// spent. Fair cycles (liveness under fairness in models with loops) are not looked for.
///
/// Swarm: every walk gives each thread, by identity (`ThreadIdentity`: request originator, worker
/// for a work item and request, canceller, teardown, unload, ...), when it first meets it, one of
/// three weights drawn at random: 0 ("held back": it runs only when no thread of positive weight
/// can), 1 or 8 ("eager"). A successor's chance is its thread's weight over the total, so with all
/// weights 1 the walk is a uniform random walk over successors, and a thread's nondeterministic
/// choices are equally likely. Different walks thus favour different schedules: a cancel that comes
/// late or early, a work item that runs before or only after its request's originator is done,
/// where uniform walks would mostly interleave everything finely.
public struct RandomSearch: Sendable {
    /// Distinct-state hashes kept at most (32 MiB or so); past it the count is a lower bound.
    public static let distinctStateCap = 1 << 21

    public let semantics: Semantics
    public let options: RandomSearchOptions

    public init(semantics: Semantics, options: RandomSearchOptions) {
        self.semantics = semantics
        self.options = options
    }

    /// A violation recorded in a walk, before shrinking.
    private struct Found {
        let violation: Violation
        let walk: Int
        /// From the initial state; its last transition is the violating one unless `atEndState`.
        let path: [Transition]
        let atEndState: Bool
    }

    /// The weights a thread can get in a walk; see the type's documentation.
    private static let swarmWeights: [UInt64] = [0, 1, 8]

    /// Runs walks until a violation or the budget. `progress` is called now and then with (walks
    /// done, steps taken). The result's `bound` is always `.randomSearch`: the search is not
    /// exhaustive, whatever it found.
    public func run(progress: ((_ walks: Int, _ steps: Int) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) -> ExplorationResult {
        let start = monotonicSeconds()
        let initial = semantics.initialState()
        var found: [Found] = []
        var recorded: Set<String> = []
        var seen: Set<UInt64> = []
        var distinctStatesCapped = false
        var steps = 0
        var endStates = 0
        var walksCut = 0
        var longest = 0
        var walk = 0
        var stop = RandomSearchSummary.Stop.walks

        func see(_ state: SystemState) {
            if seen.count < RandomSearch.distinctStateCap {
                seen.insert(fnv1a(StateKey(state).bytes))
            } else {
                distinctStatesCapped = true
            }
        }

        search: while true {
            if let maxWalks = options.maxWalks, walk >= maxWalks {
                stop = .walks
                break
            }
            if walk > 0, shouldStop?() == true {
                stop = .interrupted
                break
            }
            // At least one walk, however small the time budget, so there is a run to repeat.
            if let maxSeconds = options.maxSeconds, walk > 0, monotonicSeconds() - start >= maxSeconds {
                stop = .time
                break
            }
            walk += 1
            var random = SplitMix64.forWalk(walk, of: options.seed)
            var weights: [ThreadIdentity: UInt64] = [:]
            var state = initial
            var path: [Transition] = []
            var foundError = false
            func record(_ violation: Violation, _ path: [Transition], atEndState: Bool) {
                guard recorded.insert(violation.property.id).inserted else { return }
                found.append(Found(violation: violation, walk: walk, path: path, atEndState: atEndState))
                if violation.property.severity == .error { foundError = true }
            }
            walking: while true {
                see(state)
                if semantics.isQuiescent(state) {
                    for violation in semantics.endStateViolations(state) { record(violation, path, atEndState: true) }
                    if foundError { break walking }
                }
                let successors = semantics.successors(of: state)
                if successors.isEmpty {
                    endStates += 1
                    break walking
                }
                if path.count >= options.maxWalkLength {
                    walksCut += 1
                    break walking
                }
                let identities = semantics.threadIdentities(state)
                let threadWeights = successors.map { successor -> UInt64 in
                    let identity = identities[successor.transition.thread]
                    if let weight = weights[identity] { return weight }
                    let weight = RandomSearch.swarmWeights[Int(random.next(below: UInt64(RandomSearch.swarmWeights.count)))]
                    weights[identity] = weight
                    return weight
                }
                let chosen = successors[pick(threadWeights, &random)]
                steps += 1
                path.append(chosen.transition)
                for warning in chosen.warnings { record(warning, path, atEndState: false) }
                if let violation = chosen.violation {
                    // After a violation nothing is defined: the walk ends whether or not it is new.
                    record(violation, path, atEndState: false)
                    break walking
                }
                if foundError { break walking }
                state = chosen.state
            }
            longest = max(longest, path.count)
            if walk & 0x3F == 0 { progress?(walk, steps) }
            if foundError {
                stop = .violation(walk: walk)
                break search
            }
        }

        let shrinker = PathShrinker(semantics: semantics, maxReplayedSteps: options.maxShrinkSteps)
        var counterexamples: [Counterexample] = []
        var shrinking: [ShrinkReport] = []
        for finding in found {
            let shrunk = shrinker.shrink(finding.path, property: finding.violation.property.id)
            let path = shrunk?.path ?? finding.path
            counterexamples.append(shrinker.counterexample(
                shrunk?.violation ?? finding.violation, path: path, atEndState: shrunk?.atEndState ?? finding.atEndState))
            shrinking.append(ShrinkReport(
                property: finding.violation.property.id, walk: finding.walk, walkSteps: finding.path.count,
                shrunkSteps: path.count, budgetExhausted: shrunk?.budgetExhausted ?? true))
        }
        let summary = RandomSearchSummary(
            seed: options.seed, walks: walk, steps: steps, maxWalkLength: options.maxWalkLength, walksCut: walksCut,
            distinctStates: seen.count, distinctStatesCapped: distinctStatesCapped, stop: stop, shrinking: shrinking)
        var result = ExplorationResult(
            statesStored: seen.count, transitions: steps, endStates: endStates, depth: longest,
            seconds: monotonicSeconds() - start, counterexamples: counterexamples, bound: .randomSearch(summary),
            storeBytes: 0, options: SearchOptions(strategy: .bfs, symmetry: false, jobs: 1), symmetryApplied: false,
            symmetryOffReason: nil, omissionProbability: 0, peakMemory: residentMemory())
        result.solver = semantics.solverStatistics
        result.localStepsMerged = semantics.mergesLocalSteps
        return result
    }

    /// An index drawn with probability `weights[i] / sum`; uniform when every weight is 0 (every
    /// thread that can run is held back).
    private func pick(_ weights: [UInt64], _ random: inout SplitMix64) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return Int(random.next(below: UInt64(weights.count))) }
        var draw = random.next(below: total)
        for (index, weight) in weights.enumerated() {
            if draw < weight { return index }
            draw -= weight
        }
        return weights.count - 1
    }
}

/// FNV-1a, 64 bits: a hash of a state's encoding that, unlike `Hasher`, is the same in every
/// process, so the distinct-state count of a run is repeatable.
private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}

// MARK: - Shrinking

/// Shrinks a path that violates a property to a shorter one that violates the same property, by
/// delta debugging (Zeller and Hildebrandt, "Simplifying and isolating failure-inducing input",
/// 2002): drop chunks of steps, halving the chunk size down to single steps, and keep every
/// change after which the path, replayed from the initial state, is shorter and still violates the
/// property. Besides chunks of the path, it drops each thread's steps all at once, moves them after
/// everyone else's, and drops chunks of one thread's steps: an interleaving's removable steps are
/// rarely next to each other. It goes on until nothing more goes (so no single step can be removed:
/// the result is 1-minimal) or the budget runs out. The result is not always a shortest path.
///
/// A `Transition` names its thread by index into the state's threads, and indices shift as threads
/// start and finish, so a path with steps removed is replayed by thread identity: each step is
/// (thread identity, its rank among the threads of that identity, choices), taken in the state
/// reached so far by the thread of that identity and rank with exactly those choices, and skipped
/// when no such successor exists. Replay ends at the first violation: of the property, the
/// candidate is kept (cut there); of another property, it is rejected. A liveness property is
/// also matched in any quiescent state along the way, as `Explorer` judges it.
///
/// Before that, loops are cut: when the walk came back to a state it had been in, the steps in
/// between go, which needs no replay to be sound (the state, so its thread array, is the same).
public struct PathShrinker: Sendable {
    public let semantics: Semantics
    /// Steps replayed in all before giving up on a smaller path.
    public let maxReplayedSteps: Int

    public init(semantics: Semantics, maxReplayedSteps: Int = RandomSearchOptions.defaultMaxShrinkSteps) {
        self.semantics = semantics
        self.maxReplayedSteps = maxReplayedSteps
    }

    /// A shrunk path and the violation it ends in.
    public struct Shrunk: Sendable {
        /// From the initial state; replayable with `Semantics.replay`.
        public let path: [Transition]
        public let violation: Violation
        /// The violation is of the state `path` ends in (liveness), not of its last step.
        public let atEndState: Bool
        /// The replay budget ran out before the path was 1-minimal.
        public let budgetExhausted: Bool
    }

    /// One step of a path, independent of thread indices.
    private struct Step {
        let identity: ThreadIdentity
        /// Among the threads of `identity` in the state, in thread order.
        let rank: Int
        let choices: [Int]
    }

    /// A replay that ended in the property's violation.
    private struct Witness {
        let path: [Transition]
        let steps: [Step]
        let violation: Violation
        let atEndState: Bool
    }

    /// `path` shrunk, or nil when `path` itself does not violate `property` when replayed.
    public func shrink(_ path: [Transition], property: String) -> Shrunk? {
        // Replaying the walk as it was taken is not charged: it is what makes a report possible.
        var unlimited = Int.max
        guard let walked = attempt(indexed(path), property: property, budget: &unlimited) else { return nil }
        var search = Search(shrinker: self, property: property, best: walked, budget: maxReplayedSteps)
        let cut = cutLoops(walked.path)
        if cut.count < walked.path.count { _ = search.tryCandidate(indexed(cut)) }
        // Until nothing more goes: whole threads first (cheap, and they take the most steps with
        // them), then chunks of one thread's steps, then chunks of the whole path.
        while search.budget > 0 {
            if search.dropOrPostponeThreads() { continue }
            let identities = search.identitiesInOrder()
            var improved = false
            for identity in identities where search.removeChunks(of: { $0.identity == identity }) { improved = true }
            if search.removeChunks(of: { _ in true }) { improved = true }
            if !improved { break }
        }
        let best = search.best
        return Shrunk(path: best.path, violation: best.violation, atEndState: best.atEndState, budgetExhausted: search.budget <= 0)
    }

    /// The state of one shrinking: the best witness so far and the replay budget left.
    private struct Search {
        let shrinker: PathShrinker
        let property: String
        var best: Witness
        var budget: Int

        /// Replays `steps` and keeps the result when it is a shorter witness.
        mutating func tryCandidate(_ steps: [Step]) -> Bool {
            guard budget > 0, let witness = shrinker.attempt(steps, property: property, budget: &budget),
                  witness.path.count < best.path.count else { return false }
            best = witness
            return true
        }

        func identitiesInOrder() -> [ThreadIdentity] {
            var seen: Set<ThreadIdentity> = []
            return best.steps.map(\.identity).filter { seen.insert($0).inserted }
        }

        /// For each thread: the path without its steps, then with its steps moved after everyone
        /// else's (a request issued only after a teardown started, a cancel that comes last).
        /// Plain chunk removal cannot do either when the thread's steps are spread along the path,
        /// nor move a step later. Returns whether one helped (the first that did).
        mutating func dropOrPostponeThreads() -> Bool {
            for identity in identitiesInOrder() {
                let others = best.steps.filter { $0.identity != identity }
                let mine = best.steps.filter { $0.identity == identity }
                if tryCandidate(others) || tryCandidate(others + mine) { return true }
            }
            return false
        }

        /// Delta debugging over the steps `selected` picks (all, or one thread's): removes chunks
        /// of them, halving the chunk size down to one step, and single steps until none can go.
        mutating func removeChunks(of selected: (Step) -> Bool) -> Bool {
            func positions() -> [Int] { best.steps.indices.filter { selected(best.steps[$0]) } }
            var improved = false
            var chunk = max(1, positions().count / 2)
            while budget > 0 {
                var removedAny = false
                var start = 0
                while budget > 0 {
                    let candidates = positions()
                    guard start < candidates.count else { break }
                    let doomed = Set(candidates[start..<min(start + chunk, candidates.count)])
                    let remaining = best.steps.indices.filter { !doomed.contains($0) }.map { best.steps[$0] }
                    if tryCandidate(remaining) {
                        removedAny = true
                        improved = true
                    } else {
                        start += chunk
                    }
                }
                if chunk > 1 {
                    chunk = max(1, min(chunk / 2, positions().count / 2))
                } else if !removedAny {
                    break
                }
            }
            return improved
        }
    }

    /// Steps that stand for the transitions of `path` exactly: replaying them by index, not yet
    /// by identity. `attempt` turns them into identity steps as it goes.
    private func indexed(_ path: [Transition]) -> [Step] {
        var state = semantics.initialState()
        var steps: [Step] = []
        for transition in path {
            let identities = semantics.threadIdentities(state)
            guard identities.indices.contains(transition.thread) else { break }
            let identity = identities[transition.thread]
            let rank = identities[..<transition.thread].filter { $0 == identity }.count
            steps.append(Step(identity: identity, rank: rank, choices: transition.choices))
            state = semantics.replay(transition, from: state).state
        }
        return steps
    }

    /// Replays `steps` by identity from the initial state, skipping those that cannot be taken, and
    /// returns the run cut at the property's violation, or nil when it does not reach one (or
    /// violates another property first, or the budget runs out).
    private func attempt(_ steps: [Step], property: String, budget: inout Int) -> Witness? {
        var state = semantics.initialState()
        var path: [Transition] = []
        var taken: [Step] = []
        if let violation = endStateViolation(state, property) {
            return Witness(path: path, steps: taken, violation: violation, atEndState: true)
        }
        for step in steps {
            guard budget > 0 else { return nil }
            budget -= 1
            let identities = semantics.threadIdentities(state)
            let candidates = identities.indices.filter { identities[$0] == step.identity }
            guard step.rank < candidates.count else { continue }
            let thread = candidates[step.rank]
            guard let successor = semantics.successors(of: state).first(where: {
                $0.transition.thread == thread && $0.transition.choices == step.choices
            }) else { continue }
            path.append(successor.transition)
            taken.append(step)
            if let violation = [successor.violation].compactMap({ $0 }).first(where: { $0.property.id == property })
                ?? successor.warnings.first(where: { $0.property.id == property }) {
                return Witness(path: path, steps: taken, violation: violation, atEndState: false)
            }
            if successor.violation != nil { return nil }
            state = successor.state
            if let violation = endStateViolation(state, property) {
                return Witness(path: path, steps: taken, violation: violation, atEndState: true)
            }
        }
        return nil
    }

    private func endStateViolation(_ state: SystemState, _ property: String) -> Violation? {
        guard semantics.isQuiescent(state) else { return nil }
        return semantics.endStateViolations(state).first { $0.property.id == property }
    }

    /// `path` without the loops it went round: from each state on, the path continues from the last
    /// time it was in that state. The last transition (the violating step, or the step into the
    /// stuck state) is always kept.
    private func cutLoops(_ path: [Transition]) -> [Transition] {
        guard path.count > 1 else { return path }
        var state = semantics.initialState()
        var keys: [StateKey] = []
        for transition in path {
            keys.append(StateKey(state))
            state = semantics.replay(transition, from: state).state
        }
        var lastVisit: [StateKey: Int] = [:]
        for (index, key) in keys.enumerated() { lastVisit[key] = index }
        var cut: [Transition] = []
        var position = 0
        while true {
            position = lastVisit[keys[position]] ?? position
            cut.append(path[position])
            if position == path.count - 1 { return cut }
            position += 1
        }
    }

    /// The report of a violating path: its events replayed, as `Explorer` builds one.
    public func counterexample(_ violation: Violation, path: [Transition], atEndState: Bool) -> Counterexample {
        var state = semantics.initialState()
        var trace: [TraceLine] = []
        for (number, transition) in path.enumerated() {
            let successor = semantics.replay(transition, from: state)
            trace += successor.events.map { TraceLine(step: number + 1, event: $0) }
            state = successor.state
        }
        trace += semantics.dataTrace(state, step: path.count)
        if atEndState {
            // The same closing line as Explorer's, so every report reads a liveness trace alike.
            trace.append(TraceLine(step: path.count, event: Event(
                operation: nil, actor: "fltcheck", text: "no thread can make progress (a cancel or a teardown start could still come, but need not). \(violation.message)",
                changes: [], location: violation.location)))
        }
        return Counterexample(violation: violation, steps: path.count, trace: trace, path: path, atEndState: atEndState)
    }
}

extension ExplorationResult {
    /// What the random search that produced this result did; nil for a breadth-first search.
    public var randomSearch: RandomSearchSummary? {
        if case .randomSearch(let summary)? = bound { return summary }
        return nil
    }
}
