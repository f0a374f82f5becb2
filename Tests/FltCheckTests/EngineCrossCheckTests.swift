import FltExplorer
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Testing

// Engines cross-checked against each other on every model (tracker issue 5): the baseline is
// breadth-first search with symmetry reduction, the exact store and one job; every other
// configuration must agree with it on what is violated, and on everything the configuration is
// not allowed to change.

/// A way to run the explorer.
enum Engine: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The baseline: BFS, symmetry, exact store, 1 job.
    case bfs
    case bfsNoSymmetry
    /// BFS taking the steps of threads symmetric to another (`--all-symmetric-threads`).
    case bfsAllSymmetricThreads
    /// BFS without the completed-request reduction (`--keep-completed`).
    case bfsKeepCompleted
    /// BFS without the partial-order reduction (`--no-partial-order`): thread-local statements take
    /// steps of their own (`CrossCheckRuns.unmerged`).
    case bfsNoPartialOrder
    case bfsJobs2
    case bfsJobs3
    case bfsHashCompaction
    case dfs
    case dfsNoSymmetry

    var options: SearchOptions {
        switch self {
        case .bfs: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: false, jobs: 1)
        case .bfsNoSymmetry: SearchOptions(strategy: .bfs, symmetry: false, hashCompaction: false, jobs: 1)
        case .bfsAllSymmetricThreads: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: false, jobs: 1, threadSymmetry: false)
        case .bfsKeepCompleted: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: false, jobs: 1, forgetCompleted: false)
        case .bfsNoPartialOrder: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: false, jobs: 1)
        case .bfsJobs2: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: false, jobs: 2)
        case .bfsJobs3: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: false, jobs: 3)
        case .bfsHashCompaction: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: true, jobs: 1)
        case .dfs: SearchOptions(strategy: .dfs, symmetry: true, hashCompaction: false, jobs: 1)
        case .dfsNoSymmetry: SearchOptions(strategy: .dfs, symmetry: false, hashCompaction: false, jobs: 1)
        }
    }

    var description: String {
        switch self {
        case .bfs: "BFS (baseline)"
        case .bfsNoSymmetry: "BFS --no-symmetry"
        case .bfsAllSymmetricThreads: "BFS --all-symmetric-threads"
        case .bfsKeepCompleted: "BFS --keep-completed"
        case .bfsNoPartialOrder: "BFS --no-partial-order"
        case .bfsJobs2: "BFS --jobs 2"
        case .bfsJobs3: "BFS --jobs 3"
        case .bfsHashCompaction: "BFS --hash-compaction"
        case .dfs: "DFS"
        case .dfsNoSymmetry: "DFS --no-symmetry"
        }
    }
}

/// Every run of one model.
struct CrossCheckRuns: Sendable {
    let semantics: Semantics
    /// The same program without the partial-order reduction, for `Engine.bfsNoPartialOrder`.
    let unmerged: Semantics
    /// A configuration is missing when it was not run: the baseline, or BFS --no-symmetry for
    /// DFS --no-symmetry, hit `CrossCheck.maxStates` first.
    let results: [Engine: ExplorationResult]

    var baseline: ExplorationResult { results[.bfs]! }

    /// The comparisons with the baseline that ran to the end, by the configuration compared.
    /// BFS --jobs and --hash-compaction must store exactly the baseline's states, so they count as
    /// run whenever the baseline finished (a bound hit by them is a disagreement); the others
    /// count when they were exhaustive.
    var completed: Set<Engine> {
        guard baseline.exhaustive else { return [] }
        var done: Set<Engine> = [.bfs, .bfsJobs2, .bfsJobs3, .bfsHashCompaction]
        for engine in [Engine.bfsNoSymmetry, .bfsAllSymmetricThreads, .bfsKeepCompleted, .bfsNoPartialOrder, .dfs, .dfsNoSymmetry] where results[engine]?.exhaustive == true { done.insert(engine) }
        return done
    }

    var isComplete: Bool { completed.count == Engine.allCases.count }
}

enum CrossCheck {
    static let filterStack = "Models/Bench/FilterStack.swift"

    /// FilterStack at N=2 in each variant, and the properties each must violate under every engine.
    static let filterStackVariants: [String: Set<String>] = [
        "correct": [],
        "doubleCompletion": ["NoDoubleCompletion"],
        "teardownNeverCompletes": ["TeardownCompletes", "PendedOperationsResumed"],
    ]

    static func filterStack(_ variant: String) -> ModelInstance {
        ModelInstance(path: filterStack, parameters: ["N": "2", "VARIANT": variant])
    }

    /// Every model file (FilterStack as its correct variant, N=2), then FilterStack's bug variants.
    static let models: [ModelInstance] = repositoryModelFiles().map { path in
        path == filterStack ? CrossCheck.filterStack("correct") : ModelInstance(path: path)
    } + filterStackVariants.keys.filter { $0 != "correct" }.sorted().map(filterStack)

    /// A bound on every run. In an optimized build it is above every model (the largest:
    /// PendResume 107,652 states without symmetry reduction), and every model must be compared
    /// completely. In a debug build (about 5,000-10,000 states/s) it keeps the suite fast: measured
    /// symmetry reduced / not reduced, CancelSafe 33,298 / 33,298 (loops: no reduction),
    /// CancellableQueue 34,993 / 34,993 (loops), MiniSpy 32,918 / 32,918, SwapBuffers 60,676 /
    /// 66,162, Scanner 27,464 / 27,464, PendResume 25,200 / 107,652 exceed it, and
    /// `almostEveryModelIsCrossCheckedCompletely` requires that 90% of the models are not like them.
    static let maxStates = TestBuild.optimized ? 250_000 : 16_500

    private static let cache = AsyncOnceCache<ModelInstance, Result<CrossCheckRuns, any Error>>()

    /// The runs of `model`, each configuration run once per test process (the configurations of one
    /// model in parallel, so that the largest models do not finish last on one thread).
    static func runs(_ model: ModelInstance) async throws -> CrossCheckRuns {
        try await cache.value(model) {
            let semantics: Semantics
            let unmerged: Semantics
            do {
                let program = try RepositoryModels.program(model.path, parameters: model.parameters)
                semantics = Semantics(program)
                unmerged = Semantics(program, mergeLocalSteps: false)
            } catch {
                return .failure(error)
            }
            @Sendable func run(_ engine: Engine) -> ExplorationResult {
                Explorer(semantics: engine == .bfsNoPartialOrder ? unmerged : semantics, limits: Limits(maxStates: maxStates), options: engine.options).run()
            }
            var results: [Engine: ExplorationResult] = [.bfs: run(.bfs)]
            guard results[.bfs]!.exhaustive else { return .success(CrossCheckRuns(semantics: semantics, unmerged: unmerged, results: results)) }
            await withTaskGroup(of: [(Engine, ExplorationResult)].self) { group in
                for engine in [Engine.bfsJobs2, .bfsJobs3, .bfsHashCompaction, .bfsAllSymmetricThreads, .bfsKeepCompleted, .bfsNoPartialOrder, .dfs] {
                    group.addTask { [(engine, run(engine))] }
                }
                group.addTask {
                    // Without symmetry DFS stores exactly the states BFS does: no use running it
                    // when BFS hit the bound.
                    let plain = run(.bfsNoSymmetry)
                    return [(.bfsNoSymmetry, plain)] + (plain.exhaustive ? [(.dfsNoSymmetry, run(.dfsNoSymmetry))] : [])
                }
                for await finished in group {
                    for (engine, result) in finished { results[engine] = result }
                }
            }
            return .success(CrossCheckRuns(semantics: semantics, unmerged: unmerged, results: results))
        }.get()
    }
}

/// The shortest steps of each violated property.
private func stepsByProperty(_ result: ExplorationResult) -> [String: Int] {
    Dictionary(result.counterexamples.map { ($0.violation.property.id, $0.steps) }, uniquingKeysWith: min)
}

/// A fair cycle's counterexample: its length is the path to the cycle plus the cycle, shortest in no
/// order.
private func isFairCycle(_ example: Counterexample) -> Bool { fairCycleStart(example) != nil }

/// What two runs that must be the same run agree on.
private struct RunShape: Equatable, CustomStringConvertible {
    let states: Int
    let transitions: Int
    let endStates: Int
    let depth: Int
    let exhaustive: Bool
    let counterexamples: [String]
    let paths: [[Transition]]

    init(_ result: ExplorationResult) {
        states = result.statesStored
        transitions = result.transitions
        endStates = result.endStates
        depth = result.depth
        exhaustive = result.exhaustive
        counterexamples = result.counterexamples.map { "\($0.violation.property.id) in \($0.steps)\($0.atEndState ? " (end state)" : "")" }
        paths = result.counterexamples.map(\.path)
    }

    var description: String {
        "\(states) states, \(transitions) transitions, \(endStates) end states, depth \(depth)\(exhaustive ? "" : " (bounded)"), counterexamples \(counterexamples)"
    }
}

@Suite(.enabled(if: modelLibraryBuilt, "skipped: no libFltModel.so beside the test runner to compile Models/ with; run `swift build` first"))
struct EngineCrossCheck {
    @Test(arguments: CrossCheck.models)
    func everyEngineAgreesWithTheBaseline(_ model: ModelInstance) async throws {
        let runs = try await CrossCheck.runs(model)
        let base = runs.baseline
        let name = model.testDescription
        guard base.exhaustive else {
            // Over CrossCheck.maxStates: nothing is compared (counted by almostEveryModelIsCrossCheckedCompletely).
            return
        }
        let baseIds = violatedIds(base)
        let baseSteps = stepsByProperty(base)
        #expect(base.symmetryApplied == (base.symmetryOffReason == nil), "\(name): symmetry \(base.symmetryApplied), reason \(base.symmetryOffReason ?? "none")")
        if runs.semantics.program.hasLoops {
            #expect(!base.symmetryApplied && base.symmetryOffReason?.contains("loops") == true, "\(name): \(base.symmetryOffReason ?? "no reason")")
        }

        // Every counterexample of every configuration is a real run to its violation.
        for (engine, result) in runs.results.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for example in result.counterexamples {
                let outcome = replayPath(example, engine == .bfsNoPartialOrder ? runs.unmerged : runs.semantics)
                #expect(outcome == .violates(example.violation.property.id),
                        "\(name), \(engine): the \(example.steps)-step counterexample of \(example.violation.property.id) does not replay: \(outcome)")
                #expect(example.path.count == example.steps)
            }
        }

        // --jobs: the same run (the merge is in order whatever the threads).
        for engine in [Engine.bfsJobs2, .bfsJobs3] {
            let result = try #require(runs.results[engine])
            #expect(RunShape(result) == RunShape(base), "\(name): \(engine) gives \(RunShape(result)); the baseline \(RunShape(base))")
        }

        // --hash-compaction: the same states and verdicts, with a negligible chance of a miss.
        let compacted = try #require(runs.results[.bfsHashCompaction])
        #expect(compacted.statesStored == base.statesStored && compacted.transitions == base.transitions && compacted.exhaustive,
                "\(name): --hash-compaction stores \(compacted.statesStored) states in \(compacted.transitions) transitions, exact \(base.statesStored) in \(base.transitions)")
        #expect(violatedIds(compacted) == baseIds, "\(name): --hash-compaction violates \(violatedIds(compacted).sorted()), the baseline \(baseIds.sorted())")
        #expect(stepsByProperty(compacted) == baseSteps, "\(name): --hash-compaction's shortest counterexamples \(stepsByProperty(compacted)), the baseline's \(baseSteps)")
        #expect(compacted.omissionProbability < 1e-9, "\(name): omission probability \(compacted.omissionProbability)")
        #expect(compacted.omissionProbability > 0 || base.statesStored < 2)
        #expect(base.omissionProbability == 0)

        // --no-symmetry: the same violations at the same BFS distances (a renamed state is as far
        // from the initial state); never fewer states; the same run when nothing was reduced.
        if let plain = runs.results[.bfsNoSymmetry], plain.exhaustive {
            #expect(!plain.symmetryApplied && plain.symmetryOffReason == nil)
            #expect(violatedIds(plain) == baseIds, "\(name): --no-symmetry violates \(violatedIds(plain).sorted()), the baseline \(baseIds.sorted())")
            #expect(stepsByProperty(plain) == baseSteps, "\(name): --no-symmetry's shortest counterexamples \(stepsByProperty(plain)), the baseline's \(baseSteps)")
            #expect(plain.statesStored >= base.statesStored, "\(name): \(plain.statesStored) states without symmetry, \(base.statesStored) with it")
            if !base.symmetryApplied {
                #expect(RunShape(plain) == RunShape(base), "\(name) (symmetry off: \(base.symmetryOffReason ?? "?")): --no-symmetry gives \(RunShape(plain)); the baseline \(RunShape(base))")
            }
        }

        // --all-symmetric-threads: the same violations at the same BFS distances (a skipped thread's
        // successors are a taken thread's renamed, at the same depth); never more states than
        // without symmetry; the same run when no thread is skipped.
        if let allThreads = runs.results[.bfsAllSymmetricThreads], allThreads.exhaustive {
            #expect(!allThreads.symmetricThreadsSkipped && base.symmetricThreadsSkipped == base.symmetryApplied)
            #expect(violatedIds(allThreads) == baseIds, "\(name): --all-symmetric-threads violates \(violatedIds(allThreads).sorted()), the baseline \(baseIds.sorted())")
            #expect(stepsByProperty(allThreads) == baseSteps, "\(name): --all-symmetric-threads' shortest counterexamples \(stepsByProperty(allThreads)), the baseline's \(baseSteps)")
            if let plain = runs.results[.bfsNoSymmetry], plain.exhaustive {
                #expect(base.statesStored <= plain.statesStored, "\(name): \(base.statesStored) states skipping symmetric threads, \(plain.statesStored) without symmetry")
            }
            if !base.symmetricThreadsSkipped {
                #expect(RunShape(allThreads) == RunShape(base), "\(name) (no thread skipped): --all-symmetric-threads gives \(RunShape(allThreads)); the baseline \(RunShape(base))")
            }
        }

        // --keep-completed: the same violations at the same BFS distances (a forgotten request's
        // leftovers are never read, so merging on them shortens no path); never fewer states; the
        // same run when the reduction does not apply to the model.
        if let kept = runs.results[.bfsKeepCompleted], kept.exhaustive {
            #expect(!kept.completedForgotten)
            #expect(violatedIds(kept) == baseIds, "\(name): --keep-completed violates \(violatedIds(kept).sorted()), the baseline \(baseIds.sorted())")
            #expect(stepsByProperty(kept) == baseSteps, "\(name): --keep-completed's shortest counterexamples \(stepsByProperty(kept)), the baseline's \(baseSteps)")
            #expect(kept.statesStored >= base.statesStored, "\(name): \(kept.statesStored) states with --keep-completed, \(base.statesStored) without")
            if !base.completedForgotten {
                #expect(RunShape(kept) == RunShape(base), "\(name) (no completed-request reduction): --keep-completed gives \(RunShape(kept)); the baseline \(RunShape(base))")
            }
        }

        // --no-partial-order: the same violations; a thread-local statement commutes with every other
        // thread's steps, so the merged search reaches each violation in at most as many steps
        // (fair cycles aside: their length is no shortest one); the same run when nothing merges.
        if let unmerged = runs.results[.bfsNoPartialOrder], unmerged.exhaustive {
            #expect(!unmerged.localStepsMerged && base.localStepsMerged == runs.semantics.mergesLocalSteps)
            #expect(violatedIds(unmerged) == baseIds, "\(name): --no-partial-order violates \(violatedIds(unmerged).sorted()), the baseline \(baseIds.sorted())")
            let unmergedSteps = stepsByProperty(unmerged)
            for example in base.counterexamples where !isFairCycle(example) {
                let id = example.violation.property.id
                if let longer = unmergedSteps[id] {
                    #expect(example.steps <= longer, "\(name): \(id) in \(example.steps) steps merged, \(longer) with --no-partial-order")
                }
            }
            if !base.localStepsMerged {
                #expect(RunShape(unmerged) == RunShape(base), "\(name) (nothing to merge): --no-partial-order gives \(RunShape(unmerged)); the baseline \(RunShape(base))")
            } else {
                #expect(unmerged.statesStored >= base.statesStored, "\(name): \(unmerged.statesStored) states with --no-partial-order, \(base.statesStored) merged")
            }
        }

        // DFS: the same violations; counterexamples no shorter than BFS's (checked above to be real
        // runs). Without symmetry it stores exactly the states BFS does (the states reachable
        // without a violating step, whatever the order); with it, the representatives kept depend on
        // the order (the renumbering is not fully canonical), but are distinct reachable states.
        for engine in [Engine.dfs, .dfsNoSymmetry] {
            guard let result = runs.results[engine], result.exhaustive else { continue }
            #expect(violatedIds(result) == baseIds, "\(name): \(engine) violates \(violatedIds(result).sorted()), the baseline \(baseIds.sorted())")
            for example in result.counterexamples where !isFairCycle(example) {
                let id = example.violation.property.id
                if let shortest = baseSteps[id] {
                    #expect(example.steps >= shortest, "\(name): \(engine)'s counterexample of \(id) has \(example.steps) steps, BFS's shortest \(shortest)")
                }
            }
            let sameStore = engine == .dfsNoSymmetry ? runs.results[.bfsNoSymmetry] : (base.symmetryApplied ? nil : base)
            if let bfs = sameStore {
                #expect(result.statesStored == bfs.statesStored && result.transitions == bfs.transitions && result.endStates == bfs.endStates,
                        "\(name): \(engine) stores \(result.statesStored) states (\(result.transitions) transitions, \(result.endStates) end states), BFS \(bfs.statesStored) (\(bfs.transitions), \(bfs.endStates))")
            } else if let plain = runs.results[.bfsNoSymmetry], plain.exhaustive {
                #expect(result.statesStored <= plain.statesStored, "\(name): \(engine) stores \(result.statesStored) states, more than the \(plain.statesStored) without symmetry")
            }
        }
    }

    @Test(arguments: CrossCheck.filterStackVariants.keys.sorted())
    func filterStackHasItsVerdictUnderEveryEngine(_ variant: String) async throws {
        let expected = try #require(CrossCheck.filterStackVariants[variant])
        let runs = try await CrossCheck.runs(CrossCheck.filterStack(variant))
        #expect(Set(runs.results.keys) == Set(Engine.allCases), "FilterStack N=2 \(variant): only \(runs.results.keys.map(\.description).sorted()) ran")
        for (engine, result) in runs.results.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let errors = Set(result.counterexamples.filter { $0.violation.property.severity == .error }.map(\.violation.property.id))
            #expect(result.exhaustive, "FilterStack N=2 \(variant), \(engine): hit \(result.bound.map(String.init(describing:)) ?? "")")
            if expected.isEmpty {
                #expect(Verdict(result) == .holds, "FilterStack N=2 \(variant), \(engine): violates \(errors.sorted())")
            } else {
                #expect(Verdict(result) == .violated && errors.isSuperset(of: expected),
                        "FilterStack N=2 \(variant), \(engine): violates \(errors.sorted()), expected \(expected.sorted())")
            }
        }
    }

    /// Parallel BFS threads look each successor up in the store as it was before their batch, and
    /// the merge takes a state found there as known without inserting it. FilterStack N=3 has levels
    /// of hundreds of states (the threads share a level from 64 states on), so this runs that path in
    /// both store modes; the run must be exactly the one-job run, in either mode.
    @Test(arguments: ["correct", "doubleCompletion"], [false, true])
    func parallelLookupsGiveTheOneJobRun(_ variant: String, hashCompaction: Bool) throws {
        let program = try RepositoryModels.program(CrossCheck.filterStack, parameters: ["N": "3", "VARIANT": variant])
        let semantics = Semantics(program)
        func run(jobs: Int) -> ExplorationResult {
            Explorer(semantics: semantics, options: SearchOptions(strategy: .bfs, symmetry: true, hashCompaction: hashCompaction, jobs: jobs)).run()
        }
        let one = run(jobs: 1)
        #expect(one.exhaustive && one.statesStored > 1_000, "FilterStack N=3 \(variant): \(RunShape(one))")
        for jobs in [2, 3] {
            let many = run(jobs: jobs)
            #expect(RunShape(many) == RunShape(one), "FilterStack N=3 \(variant), --jobs \(jobs)\(hashCompaction ? " --hash-compaction" : ""): \(RunShape(many)); one job: \(RunShape(one))")
            // The store's tables grow with what they hold, not with how often it was asked.
            #expect(many.storeBytes == one.storeBytes, "FilterStack N=3 \(variant), --jobs \(jobs): \(many.storeBytes) bytes stored, one job \(one.storeBytes)")
        }
    }

    /// Comparisons are skipped only for models over `CrossCheck.maxStates`: none in an optimized
    /// build, at most 10% in a debug build.
    @Test func almostEveryModelIsCrossCheckedCompletely() async throws {
        var incomplete: [String] = []
        for model in CrossCheck.models {
            let runs = try await CrossCheck.runs(model)
            if !runs.isComplete {
                let skipped = Engine.allCases.filter { !runs.completed.contains($0) }.map(\.description)
                incomplete.append("\(model.testDescription) (\(runs.baseline.statesStored)\(runs.baseline.exhaustive ? "" : "+") states; not compared: \(skipped.joined(separator: ", ")))")
            }
        }
        let total = CrossCheck.models.count
        #expect(total >= 80, "model enumeration is broken: \(total) models")
        let required = TestBuild.optimized ? total : (total * 9 + 9) / 10
        #expect(total - incomplete.count >= required,
                "only \(total - incomplete.count) of \(total) models were cross-checked completely; over the \(CrossCheck.maxStates)-state bound: \(incomplete.joined(separator: "; "))")
    }
}

/// The replay check the cross-check relies on, on models built in-process: it accepts real
/// counterexamples of each kind and rejects a path that does not end in its violation.
@Suite struct CounterexampleReplayCheck {
    @Test(arguments: [SearchOptions.Strategy.bfs, .dfs])
    func aFairCycleCounterexampleReplaysAsACycle(_ strategy: SearchOptions.Strategy) throws {
        let program = try FairCycles().pollingModel(setter: false)
        let semantics = Semantics(program)
        let result = Explorer(semantics: semantics, options: SearchOptions(strategy: strategy)).run()
        let cycle = try #require(result.counterexamples.first { isFairCycle($0) })
        #expect(replayPath(cycle, semantics) == .violates(cycle.violation.property.id))
        // Cut the cycle's last step: it no longer comes back.
        let start = try #require(fairCycleStart(cycle))
        #expect(replayPath(Array(cycle.path.dropLast()), atEndState: false, cycleStart: start, property: cycle.violation.property.id, semantics)
                != .violates(cycle.violation.property.id))
    }

    @Test func stepAndEndStateViolationsReplayAndTruncatedPathsDoNot() throws {
        let models: [(build: () -> Void, property: String)] = [
            ({ watchdogModel() }, "NoDoubleCompletion"), ({ forgottenPostResumeModel() }, "PendedOperationsResumed"),
        ]
        for (model, property) in models {
            let checked = try check { model() }
            let semantics = Semantics(checked.program)
            let example = try #require(checked.result.counterexamples.first { $0.violation.property.id == property })
            #expect(replayPath(example, semantics) == .violates(property))
            #expect(example.atEndState == (property == "PendedOperationsResumed"))
            let cut = replayPath(Array(example.path.dropLast()), atEndState: example.atEndState, cycleStart: nil, property: property, semantics)
            #expect(cut != .violates(property), "\(property): a path one step short replays as the violation")
        }
    }
}
