import FltExplorer
import FltLoader
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Testing

/// The repository models these tests search (compiled by `RepositoryModels`, once per test run).
enum RandomSearchModels {
    static let watchdog = "Models/Bugs/WatchdogDoubleResume.swift"
    static let sharedNext = "Models/Bugs/SharedNextVariable.swift"
    static let teardownWakeup = "Models/Bugs/WorkerMissesTeardownWakeup.swift"
    static let resumeAfterTeardown = "Models/Bugs/ResumeAfterTeardownComplete.swift"
    static let teardownForgetsQueue = "Models/Bugs/TeardownForgetsQueue.swift"
    static let lockInversion = "Models/Bugs/LockInversion.swift"
    static let passThrough = "Models/PassThrough.swift"
    static let checkThenActFixed = "Models/CheckThenActFixed.swift"

    static let all = [watchdog, sharedNext, teardownWakeup, resumeAfterTeardown, teardownForgetsQueue, lockInversion, passThrough, checkThenActFixed]

    static func program(_ path: String) throws -> Program {
        try #require(all.contains(path), "\(path) is not in RandomSearchModels.all")
        return try RepositoryModels.program(path)
    }

    /// The properties a model's `// fltcheck-expect: violated ...` header names (empty for `holds`).
    static func expectedViolations(_ path: String) throws -> Set<String> {
        try RepositoryModels.expectedViolations(path)
    }
}

func randomSearch(_ program: Program, seed: UInt64, walks: Int? = nil, seconds: Double? = nil, maxWalkLength: Int = RandomSearchOptions.defaultMaxWalkLength) throws -> ExplorationResult {
    let options = try RandomSearchOptions(seed: seed, maxWalks: walks, maxSeconds: seconds, maxWalkLength: maxWalkLength)
    return RandomSearch(semantics: Semantics(program), options: options).run()
}

/// Takes `example.path` again from the initial state, checking that every transition is one of the
/// state's successors, and returns the property the run violates: at its last step, or (liveness)
/// in the quiescent state it ends in. Nil, with an issue recorded, when the path is not valid.
func replayedViolation(_ example: Counterexample, _ semantics: Semantics) -> String? {
    var state = semantics.initialState()
    for (index, transition) in example.path.enumerated() {
        guard let successor = semantics.successors(of: state).first(where: { $0.transition == transition }) else {
            Issue.record("step \(index + 1) of the shrunk path is not a successor of the state it starts from")
            return nil
        }
        let isLast = index == example.path.count - 1
        if let violation = successor.violation {
            if !isLast { Issue.record("the shrunk path is violated (\(violation.property.id)) before its last step") }
            return isLast && !example.atEndState ? violation.property.id : nil
        }
        if isLast && !example.atEndState {
            return successor.warnings.first { $0.property.id == example.violation.property.id }?.property.id
        }
        state = successor.state
    }
    guard semantics.isQuiescent(state) else {
        Issue.record("the shrunk path of a liveness violation ends where a thread can still make progress")
        return nil
    }
    return semantics.endStateViolations(state).first { $0.property.id == example.violation.property.id }?.property.id
}

/// Some libFltModel.so to compile the repository's models against.
let modelLibraryBuilt = builtFltcheck != nil

@Suite(.enabled(if: modelLibraryBuilt, "skipped: no libFltModel.so beside the test runner to compile Models/ with; run `swift build` first"))
struct RandomSearchFindsBugs {
    @Test(arguments: [
        RandomSearchModels.watchdog, RandomSearchModels.sharedNext, RandomSearchModels.teardownWakeup,
        RandomSearchModels.resumeAfterTeardown, RandomSearchModels.teardownForgetsQueue, RandomSearchModels.lockInversion,
    ])
    func findsAnExpectedViolationAndShrinksItToAValidPath(_ path: String) throws {
        let program = try RandomSearchModels.program(path)
        let semantics = Semantics(program)
        let result = try randomSearch(program, seed: 1, walks: 2_000)
        let search = try #require(result.randomSearch)
        #expect(Verdict(result) == .violated, "\(path): \(search)")
        #expect(!result.exhaustive)
        // It stops after the first walk with an error violation; a stuck state can break several
        // liveness properties at once, so that walk can report more than one.
        let errors = result.counterexamples.filter { $0.violation.property.severity == .error }
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { search.shrinkReport(for: $0.violation.property.id)?.walk == search.walks })
        let expected = try RandomSearchModels.expectedViolations(path)
        for example in result.counterexamples {
            let property = example.violation.property.id
            if example.violation.property.severity == .error {
                #expect(expected.contains(property), "\(path): \(property) is not among the expected \(expected.sorted())")
            }
            #expect(replayedViolation(example, semantics) == property, "\(path): the shrunk path does not violate \(property) again")
            let shrink = try #require(search.shrinkReport(for: property))
            #expect(shrink.shrunkSteps == example.steps && example.path.count == example.steps)
            #expect(shrink.shrunkSteps <= shrink.walkSteps, "\(path): shrinking made \(property)'s trace longer")
            #expect(!shrink.budgetExhausted, "\(path): the shrinking budget ran out on a \(shrink.walkSteps)-step walk")
            #expect(example.trace.last.map { $0.step == example.steps } == true)
        }
        #expect(search.stop == .violation(walk: search.walks))
    }

    /// On these models shrinking gets down to the breadth-first length, for walks up to a third
    /// longer (WorkerMissesTeardownWakeup: 31 steps to 19 with seed 1, which needs a request moved
    /// after the teardown). That is not promised in general: the result is 1-minimal (no single
    /// step can go), which a longer path can be too.
    @Test(arguments: [
        RandomSearchModels.watchdog, RandomSearchModels.resumeAfterTeardown, RandomSearchModels.sharedNext,
        RandomSearchModels.teardownWakeup, RandomSearchModels.teardownForgetsQueue,
    ], [1, 7] as [UInt64])
    func shrinkingReachesTheBreadthFirstLength(_ path: String, seed: UInt64) throws {
        let program = try RandomSearchModels.program(path)
        let random = try randomSearch(program, seed: seed, walks: 2_000)
        let example = try #require(random.counterexamples.first { $0.violation.property.severity == .error })
        let shortest = try #require(explore(program).counterexamples.first { $0.violation.property.id == example.violation.property.id })
        #expect(example.steps == shortest.steps, "\(path): \(example.violation.property.id) shrunk to \(example.steps) steps, breadth-first finds \(shortest.steps)")
    }

    @Test func aShrunkTraceSavedAsJSONIsReproducedByReplay() throws {
        let program = try RandomSearchModels.program(RandomSearchModels.teardownWakeup)
        let result = try randomSearch(program, seed: 3, walks: 2_000)
        let example = try #require(result.counterexamples.first)
        let report = JSONReport(workingDirectory: reportRoot)
        let ir = program.model
        let document = report.document(model: ir, path: reportRoot + "/" + RandomSearchModels.teardownWakeup, program: program, result: result, limits: Limits())
        let decoded = try JSONDecoder().decode(ResultDocument.self, from: Data(try report.render(document).utf8))
        let trace = try #require(decoded.counterexamples.first)
        let outcome = TraceReplayer(semantics: Semantics(program)).replay(trace)
        #expect(outcome.reproduced, "\(outcome.summary)")
        #expect(trace.steps == example.steps)
        #expect(decoded.bounds.hit?.kind == "randomSearch")
        #expect(decoded.bounds.hit?.seed == "3")
        #expect(decoded.bounds.hit?.repeatArguments?.contains("--walks") == true)
    }

    @Test func theSameSeedAndWalksGiveTheSameResult() throws {
        let program = try RandomSearchModels.program(RandomSearchModels.sharedNext)
        let first = try randomSearch(program, seed: 42, walks: 300)
        let second = try randomSearch(program, seed: 42, walks: 300)
        #expect(fingerprint(first) == fingerprint(second))
        #expect(first.counterexamples.map(\.path) == second.counterexamples.map(\.path))
        #expect(first.counterexamples.map { $0.trace.map(\.event.text) } == second.counterexamples.map { $0.trace.map(\.event.text) })
    }

    @Test func aTimeBudgetRunIsRepeatedExactlyByItsSeedAndWalkCount() throws {
        let program = try RandomSearchModels.program(RandomSearchModels.passThrough)
        let timed = try randomSearch(program, seed: 2024, seconds: 0.3)
        let search = try #require(timed.randomSearch)
        #expect(search.stop == .time)
        #expect(search.repeatArguments == ["--strategy", "random", "--seed", "2024", "--walks", String(search.walks), "--max-walk-length", "10000"])
        let repeated = try randomSearch(program, seed: 2024, walks: search.walks)
        #expect(fingerprint(repeated) == fingerprint(timed))
    }

    @Test func differentSeedsTakeDifferentWalks() throws {
        let program = try RandomSearchModels.program(RandomSearchModels.passThrough)
        let walks = try (1...4).map { seed in fingerprint(try randomSearch(program, seed: UInt64(seed), walks: 20)) }
        #expect(Set(walks.map(\.steps)).count > 1 || Set(walks.map(\.distinct)).count > 1, "\(walks)")
    }

    @Test(arguments: [RandomSearchModels.passThrough, RandomSearchModels.checkThenActFixed])
    func aModelThatHoldsIsInconclusiveNeverHolds(_ path: String) throws {
        let program = try RandomSearchModels.program(path)
        let result = try randomSearch(program, seed: 9, walks: 100)
        let search = try #require(result.randomSearch)
        #expect(result.counterexamples.isEmpty)
        #expect(Verdict(result) == .inconclusive)
        #expect(search.stop == .walks && search.walks == 100)
        #expect(Property.all.allSatisfy { PropertyStatus.of($0, in: result) == .inconclusive })
        let text = TextReport(workingDirectory: reportRoot).render(
            model: program.model, path: reportRoot + "/" + path, cached: false, program: program, result: result, limits: Limits())
        #expect(text.contains("100 walks found no violation; this is not a proof"), "\(text)")
        #expect(text.contains("repeat exactly: fltcheck verify \(path) --strategy random --seed 9 --walks 100 --max-walk-length 10000"), "\(text)")
        #expect(!text.contains("  holds "), "\(text)")
        #expect(text.hasSuffix("verdict: inconclusive: random search found no violation in 100 walks (seed 9), which proves nothing (exit 2)"), "\(text)")
    }

    @Test func walksAreCutAtTheMaximumLength() throws {
        let program = try RandomSearchModels.program(RandomSearchModels.passThrough)
        let result = try randomSearch(program, seed: 5, walks: 30, maxWalkLength: 3)
        let search = try #require(result.randomSearch)
        #expect(result.depth == 3)
        #expect(search.walksCut == 30)
        #expect(search.steps == 90)
        #expect(search.repeatArguments.suffix(2) == ["--max-walk-length", "3"])
    }

    @Test func theTextReportSaysTheTraceIsShrunkAndHowToRepeatTheRun() throws {
        let program = try RandomSearchModels.program(RandomSearchModels.watchdog)
        let result = try randomSearch(program, seed: 1, walks: 200)
        let search = try #require(result.randomSearch)
        let text = TextReport(workingDirectory: reportRoot).render(
            model: program.model, path: reportRoot + "/" + RandomSearchModels.watchdog, cached: false, program: program, result: result, limits: Limits())
        #expect(text.contains("random search: seed 1, \(search.walks == 1 ? "1 walk" : "\(search.walks) walks") of at most 10,000 steps"), "\(text)")
        #expect(text.contains("repeat exactly: fltcheck verify \(RandomSearchModels.watchdog) --strategy random --seed 1 --walks \(search.walks) --max-walk-length 10000"), "\(text)")
        #expect(text.contains("not necessarily a shortest one"), "\(text)")
        #expect(!text.contains("a shortest one:"), "\(text)")
        #expect(text.hasSuffix("verdict: VIOLATED: NoDoubleCompletion (exit 1)"), "\(text)")
    }
}

/// What two runs must agree on to be the same run (everything but the time taken).
struct RunFingerprint: Equatable {
    let walks: Int
    let steps: Int
    let distinct: Int
    let endStates: Int
    let depth: Int
    let violations: [String]
    let paths: [[Transition]]
}

func fingerprint(_ result: ExplorationResult) -> RunFingerprint {
    RunFingerprint(
        walks: result.randomSearch?.walks ?? -1, steps: result.transitions, distinct: result.statesStored,
        endStates: result.endStates, depth: result.depth, violations: result.counterexamples.map(\.violation.property.id),
        paths: result.counterexamples.map(\.path))
}

@Suite struct RandomSearchInProcess {
    @Test func theWatchdogModelBuiltInProcessIsFoundAndShrunk() throws {
        let checked = try check { watchdogModel() }
        let result = try randomSearch(checked.program, seed: 11, walks: 500)
        let example = try #require(result.counterexamples.first)
        #expect(example.violation.property.id == "NoDoubleCompletion")
        #expect(replayedViolation(example, Semantics(checked.program)) == "NoDoubleCompletion")
    }

    @Test func aLivenessViolationIsShrunkToAStuckState() throws {
        let checked = try check { forgottenPostResumeModel() }
        let result = try randomSearch(checked.program, seed: 1, walks: 500)
        let example = try #require(result.counterexamples.first)
        #expect(example.violation.property.id == "PendedOperationsResumed")
        #expect(example.atEndState)
        #expect(replayedViolation(example, Semantics(checked.program)) == "PendedOperationsResumed")
        #expect(example.trace.last?.event.actor == "fltcheck")
    }

    @Test func thePassThroughModelBuiltInProcessIsInconclusive() throws {
        let checked = try check { passThroughModel() }
        let result = try randomSearch(checked.program, seed: 0, walks: 50)
        #expect(Verdict(result) == .inconclusive)
        #expect(verdictLine(result).contains("which proves nothing"))
    }
}

@Suite struct SeededGenerator {
    @Test func splitMix64MatchesTheReferenceSequence() {
        // The first outputs of the reference C implementation (Vigna's splitmix64.c) from seed 0.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func boundedDrawsStayInRangeAndRepeat() {
        var first = SplitMix64(seed: 99)
        var second = SplitMix64(seed: 99)
        for bound in [1, 2, 3, 7, 1_000, 1 << 40] as [UInt64] {
            for _ in 0..<200 {
                let draw = first.next(below: bound)
                #expect(draw < bound)
                #expect(draw == second.next(below: bound))
            }
        }
        #expect(first.next(below: 0) == 0)
    }

    @Test func badOptionsAreTypedErrorsNamingTheFlag() {
        #expect(throws: RandomSearchOptionsError.walksBelowOne(0)) { try RandomSearchOptions(seed: 1, maxWalks: 0) }
        #expect(throws: RandomSearchOptionsError.secondsNotPositive(0)) { try RandomSearchOptions(seed: 1, maxSeconds: 0) }
        #expect(throws: RandomSearchOptionsError.walkLengthBelowOne(0)) { try RandomSearchOptions(seed: 1, maxWalkLength: 0) }
        #expect(RandomSearchOptionsError.walksBelowOne(0).description == "--walks must be at least 1 (got 0)")
    }

    @Test func withNoBudgetTheSearchDoesTheDefaultWalks() throws {
        let options = try RandomSearchOptions(seed: 1)
        #expect(options.maxWalks == RandomSearchOptions.defaultWalks && options.maxSeconds == nil)
        let timed = try RandomSearchOptions(seed: 1, maxSeconds: 5)
        #expect(timed.maxWalks == nil && timed.maxSeconds == 5)
    }
}
