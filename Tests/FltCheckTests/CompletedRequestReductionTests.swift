import FltExplorer
import FltProperties
import FltReport
import FltSemantics
import Testing

/// The completed-request reduction (`SearchOptions.forgetCompleted`, `--keep-completed` to turn it
/// off): a completed request nothing refers to is stored as "completed" alone. EngineCrossCheck
/// compares it with `--keep-completed` on every model; these pin down where it applies.
@Suite struct CompletedRequestReduction {
    static func run(_ path: String, _ parameters: [String: String] = [:], forget: Bool) throws -> ExplorationResult {
        let semantics = Semantics(try RepositoryModels.program(path, parameters: parameters))
        return Explorer(semantics: semantics, options: SearchOptions(jobs: 1, forgetCompleted: forget)).run()
    }

    @Test func finishedRequestsNoLongerMultiplyTheStates() throws {
        let parameters = ["N": "3", "VARIANT": "correct"]
        let forgotten = try Self.run(CrossCheck.filterStack, parameters, forget: true)
        let kept = try Self.run(CrossCheck.filterStack, parameters, forget: false)
        #expect(forgotten.completedForgotten && !kept.completedForgotten)
        #expect(forgotten.exhaustive && kept.exhaustive)
        #expect(Verdict(forgotten) == .holds && Verdict(kept) == .holds)
        // Measured: 3,271 against 21,707; every run that ends with all reads completed ends in one state.
        #expect(forgotten.statesStored * 4 < kept.statesStored, "\(forgotten.statesStored) states forgetting, \(kept.statesStored) keeping")
        #expect(forgotten.endStates == 1, "\(forgotten.endStates) end states")
    }

    /// doubleCompletion: the worker still holds its read after a cancel completed it, so that read
    /// is not forgotten and its second completion is found, as early as without the reduction.
    @Test func aCompletedRequestStillHeldIsNotForgotten() throws {
        let parameters = ["N": "3", "VARIANT": "doubleCompletion"]
        let forgotten = try Self.run(CrossCheck.filterStack, parameters, forget: true)
        let kept = try Self.run(CrossCheck.filterStack, parameters, forget: false)
        #expect(forgotten.completedForgotten)
        let steps = { (result: ExplorationResult) in
            Dictionary(result.counterexamples.map { ($0.violation.property.id, $0.steps) }, uniquingKeysWith: min)
        }
        #expect(steps(forgotten) == steps(kept))
        #expect(steps(forgotten)["NoDoubleCompletion"] == 4, "\(steps(forgotten))")
        #expect(forgotten.statesStored < kept.statesStored)
    }

    /// With symbolic data a completed request's IoStatus can still be in the path condition; where
    /// a model can tell requests apart (here by Op.requestNumber) fltcheck would not see every
    /// reference to them. Either keeps the reduction off, and the search is the unreduced one.
    @Test(arguments: ["Models/Bugs/PostReadWarningCompletedTwice.swift", "Models/Bugs/LockInversion.swift"])
    func itIsOffWhereItCouldMissAReference(_ path: String) throws {
        let forgotten = try Self.run(path, forget: true)
        let kept = try Self.run(path, forget: false)
        #expect(!forgotten.completedForgotten)
        #expect(forgotten.statesStored == kept.statesStored && forgotten.transitions == kept.transitions)
        #expect(violatedIds(forgotten) == violatedIds(kept))
    }
}
