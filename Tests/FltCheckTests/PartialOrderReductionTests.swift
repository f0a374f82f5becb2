import FltExplorer
import FltReport
import FltSemantics
import Testing

/// The partial-order reduction (`Semantics.mergesLocalSteps`, `--no-partial-order` to turn it off):
/// a statement that touches only its thread's locals joins the step before it. EngineCrossCheck
/// compares it with `--no-partial-order` on every model; these pin down where it applies and
/// what it must not break.
@Suite struct PartialOrderReduction {
    static func run(_ path: String, merge: Bool, _ parameters: [String: String] = [:]) throws -> (Semantics, ExplorationResult) {
        let semantics = Semantics(try RepositoryModels.program(path, parameters: parameters), mergeLocalSteps: merge)
        return (semantics, Explorer(semantics: semantics, options: SearchOptions(jobs: 1)).run())
    }

    /// ThreadLocalNext's work items test their own `next`: that test is no interleaving point.
    @Test func threadLocalStatementsJoinTheStepBefore() throws {
        let (semantics, merged) = try Self.run("Models/ThreadLocalNext.swift", merge: true)
        let (_, unmerged) = try Self.run("Models/ThreadLocalNext.swift", merge: false)
        #expect(semantics.mergesLocalSteps && merged.localStepsMerged && !unmerged.localStepsMerged)
        #expect(merged.exhaustive && unmerged.exhaustive && Verdict(merged) == .holds && Verdict(unmerged) == .holds)
        // Measured: 247 against 515.
        #expect(merged.statesStored * 2 < unmerged.statesStored, "\(merged.statesStored) states merged, \(unmerged.statesStored) not")
    }

    /// With `interleaving: .explicitSteps` the model says where steps end: nothing changes.
    @Test func explicitStepsAreTheModelsOwn() throws {
        let (semantics, merged) = try Self.run(CrossCheck.filterStack, merge: true, ["N": "2"])
        let (_, unmerged) = try Self.run(CrossCheck.filterStack, merge: false, ["N": "2"])
        #expect(!semantics.mergesLocalSteps && !merged.localStepsMerged)
        #expect(merged.statesStored == unmerged.statesStored && merged.transitions == unmerged.transitions)
    }

    /// A loop over locals still ends its step at each turn: a finite one runs to its end (its
    /// assertion holds), and one that never ends is a cycle of states, so the search ends.
    @Test func loopsOverLocalsStillTakeSteps() throws {
        let (_, finite) = try Self.run("Tests/EndToEndTests/Fixtures/LocalLoops.swift", merge: true)
        let (_, finiteUnmerged) = try Self.run("Tests/EndToEndTests/Fixtures/LocalLoops.swift", merge: false)
        #expect(finite.localStepsMerged && finite.exhaustive && Verdict(finite) == .holds, "\(violatedIds(finite))")
        #expect(finite.statesStored < finiteUnmerged.statesStored, "\(finite.statesStored) states merged, \(finiteUnmerged.statesStored) not")
        let (_, spin) = try Self.run("Tests/EndToEndTests/Fixtures/LocalSpin.swift", merge: true)
        let (_, spinUnmerged) = try Self.run("Tests/EndToEndTests/Fixtures/LocalSpin.swift", merge: false)
        #expect(spin.localStepsMerged && spin.exhaustive)
        // The read that spins is never completed: a fair cycle.
        #expect(violatedIds(spin) == violatedIds(spinUnmerged) && violatedIds(spin).contains("PendedOperationsResumed"),
                "\(violatedIds(spin)) merged, \(violatedIds(spinUnmerged)) not")
    }

    /// A violation reached through local statements is found as without the reduction, in no more
    /// steps, and the JSON document records the setting its traces replay with.
    @Test func tracesReplayWithTheSettingTheyWereFoundWith() throws {
        let path = "Models/Bugs/CancelOpenOfFailedCreate.swift"
        let (semantics, merged) = try Self.run(path, merge: true)
        let (unmergedSemantics, unmerged) = try Self.run(path, merge: false)
        #expect(violatedIds(merged) == violatedIds(unmerged) && violatedIds(merged).contains("CancelFileOpenOnlyPostCreate"))
        let mergedSteps = try #require(merged.counterexamples.first).steps
        let unmergedSteps = try #require(unmerged.counterexamples.first).steps
        #expect(mergedSteps < unmergedSteps, "\(mergedSteps) steps merged, \(unmergedSteps) not")
        for (semantics, result) in [(semantics, merged), (unmergedSemantics, unmerged)] {
            let document = JSONReport().document(model: semantics.program.model, path: path, program: semantics.program, result: result, limits: Limits())
            #expect(document.statistics.localStepsMerged == semantics.mergesLocalSteps)
            let trace = try #require(document.counterexamples.first)
            #expect(TraceReplayer(semantics: semantics).replay(trace).reproduced)
        }
    }
}
