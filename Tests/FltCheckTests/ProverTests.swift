import FltExplorer
import FltModel
import FltProperties
import FltProver
import Dispatch
import FltSemantics
import Testing

// `fltcheck prove` (Spacer on the control graph with abstract data), cross-checked against the
// explicit search on every model of the repository (in a debug build: every model small enough to
// search there, see `TestBuild`).

private func prove(_ program: Program, timeLimit: Double = 120) throws -> ProofResult {
    try Prover(program: program, semantics: Semantics.abstracting(program), maxStates: controlStateBound, timeLimitSeconds: timeLimit).run()
}

/// Above every model's control graph (the largest: Samples/SwapBuffers, 60,676 control states).
private let controlStateBound = 250_000

private func violated(_ result: ProofResult) -> Set<String> {
    Set(result.outcomes.compactMap { if case .violated = $0.outcome { $0.property.id } else { nil } })
}

@Suite struct ProverCrossCheck {
    /// Models whose explicit search stores more states than this are not cross-checked: none in an
    /// optimized build (the largest model stores 60,676), those over 3,000 in a debug build.
    static let maxStates = TestBuild.optimized ? 250_000 : 3_000

    @Test(arguments: repositoryModelFiles())
    func proveAndVerifyFindTheSameSafetyViolations(_ path: String) throws {
        let program = try RepositoryModels.program(path)
        let explicit = explore(program, Limits(maxStates: Self.maxStates))
        guard explicit.exhaustive else { return }
        let expected = Set(explicit.counterexamples.filter { $0.violation.property.kind == .safety && $0.violation.property.severity == .error }
            .map(\.violation.property.id))
        let proof = try prove(program)
        try #require(proof.stopped == nil, "\(path): \(proof.stopped ?? "")")
        for (property, outcome) in proof.outcomes {
            if case .unknown(let reason) = outcome { Issue.record("\(path): \(property.id) unknown: \(reason)") }
        }
        // Never `proved` where a violation is known, never `violated` where the explicit search proves it holds.
        #expect(violated(proof) == expected, "\(path): prove \(violated(proof).sorted()), verify \(expected.sorted())")
    }

    @Test func everyModelIsCrossCheckedInAnOptimizedBuild() throws {
        let models = repositoryModelFiles()
        let checked = try models.filter { explore(try RepositoryModels.program($0), Limits(maxStates: Self.maxStates)).exhaustive }
        let required = TestBuild.optimized ? models.count : models.count * 3 / 4
        #expect(checked.count >= required, "only \(checked.count) of \(models.count) models are cross-checked: \(Set(models).subtracting(checked).sorted())")
    }
}

@Suite struct Proofs {
    @Test func theRoundedSwapIsProvedWithAnInvariantOverItsData() throws {
        let proof = try prove(try RepositoryModels.program("Models/SwapBufferRounding.swift"))
        #expect(proof.outcomes.map(\.property.id) == ["Assertion"])
        guard case .proved? = proof.outcomes.first?.outcome else {
            Issue.record("not proved: \(proof.outcomes)")
            return
        }
        #expect(proof.invariant.contains { $0.contains("SwapBuffers.allocated") && $0.contains("READ #1.Length") }, "\(proof.invariant)")
    }

    @Test func aLoopOverEveryLengthIsProved() throws {
        let proof = try prove(try RepositoryModels.program("Tests/EndToEndTests/Fixtures/ChunkedScanAnyLength.swift"))
        guard case .proved? = proof.outcomes.first(where: { $0.property.id == "Assertion" })?.outcome else {
            Issue.record("not proved: \(proof.outcomes)")
            return
        }
        #expect(proof.invariant.contains { $0.contains("Scanner.scanned") }, "\(proof.invariant)")
    }

    @Test func aHardQueryIsUnknownAtTheTimeLimitNeverProved() throws {
        let proof = try prove(try RepositoryModels.program("Tests/EndToEndTests/Fixtures/FactoringBranch.swift"), timeLimit: 2)
        guard case .unknown? = proof.outcomes.first(where: { $0.property.id == "Assertion" })?.outcome else {
            Issue.record("expected unknown: \(proof.outcomes)")
            return
        }
    }

    private struct NeverReached: Error {}

    /// Spacer does not stop at Z3_interrupt in every phase: `runEnforcingTimeLimit` gives up on a
    /// proof that does not return, keeping what it had decided and leaving the rest unknown.
    @Test func aProofThatDoesNotStopIsAbandonedWithWhatItHadDecided() throws {
        let progress = ProofProgress()
        let hung = DispatchSemaphore(value: 0)
        defer { hung.signal() }
        let decided = Property.assertion, pending = Property.noDoubleCompletion
        let (result, abandoned) = try Prover.wait(seconds: 0.2, progress: progress, reason: "given up") {
            progress.graphBuilt(controlStates: 7, edges: 9)
            progress.planned([decided, pending])
            progress.decided(decided, .proved)
            hung.wait()
            throw NeverReached()
        }
        #expect(abandoned)
        #expect(result.stopped == nil && result.controlStates == 7 && result.edges == 9)
        #expect(result.outcomes.map { $0.property.id } == [decided.id, pending.id])
        guard case .proved? = result.outcomes.first?.outcome, case .unknown("given up")? = result.outcomes.last?.outcome else {
            Issue.record("\(result.outcomes)")
            return
        }
    }

    @Test func aProofAbandonedBeforeItsGraphWasBuiltProvesNothing() throws {
        let hung = DispatchSemaphore(value: 0)
        defer { hung.signal() }
        let (result, abandoned) = try Prover.wait(seconds: 0.2, progress: ProofProgress(), reason: "given up") {
            hung.wait()
            throw NeverReached()
        }
        #expect(abandoned && result.stopped == "given up" && result.outcomes.isEmpty)
    }

    @Test func aProofThatStopsInTimeIsNotAbandoned() throws {
        let program = try RepositoryModels.program("Models/PerReadSwapBuffer.swift")
        let prover = try Prover(program: program, semantics: Semantics.abstracting(program), maxStates: controlStateBound, timeLimitSeconds: 120)
        let (result, abandoned) = try prover.runEnforcingTimeLimit()
        #expect(!abandoned)
        guard case .proved? = result.outcomes.first(where: { $0.property.id == "Assertion" })?.outcome else {
            Issue.record("not proved: \(result.outcomes)")
            return
        }
    }

    @Test func eachThreadsCopyOfAThreadLocalBitVectorIsAVariableOfItsOwn() throws {
        let proof = try prove(try RepositoryModels.program("Models/PerReadSwapBuffer.swift"))
        guard case .proved? = proof.outcomes.first(where: { $0.property.id == "Assertion" })?.outcome else {
            Issue.record("not proved: \(proof.outcomes)")
            return
        }
        // Named after the thread that holds the copy in that control state.
        #expect(proof.invariant.contains { $0.contains("READ #1.Length <= SwapBuffers.allocated of READ #1 originator") }, "\(proof.invariant)")
        #expect(proof.invariant.contains { $0.contains("READ #2.Length <= SwapBuffers.allocated of READ #2 originator") }, "\(proof.invariant)")
    }

    @Test func aValueReadForANonAtomicWriteIsAVariableOfItsOwn() throws {
        let locked = try prove(try RepositoryModels.program("Models/ScannedBytesUnderLock.swift"))
        guard case .proved? = locked.outcomes.first(where: { $0.property.id == "Assertion" })?.outcome else {
            Issue.record("not proved: \(locked.outcomes)")
            return
        }
        #expect(locked.invariant.contains { $0.contains("Scanner.BytesScanned (read, not yet written) of READ #2 originator == 0x2000") }, "\(locked.invariant)")
        let lost = try prove(try RepositoryModels.program("Models/Bugs/LostScannedBytes.swift"))
        #expect(violated(lost) == ["Assertion"])
    }
}

@Suite struct BoundedModelCheckingCrossCheck {
    static let depth = 12

    /// BMC finds exactly the safety properties whose shortest counterexample (from the explicit
    /// breadth-first search) has at most `depth` steps, each at that same length.
    @Test(arguments: repositoryModelFiles())
    func bmcAgreesWithTheExplicitSearchWithinItsDepth(_ path: String) throws {
        let program = try RepositoryModels.program(path)
        let explicit = explore(program, Limits(maxStates: ProverCrossCheck.maxStates))
        guard explicit.exhaustive else { return }
        var expected: [String: Int] = [:]
        for example in explicit.counterexamples where example.violation.property.kind == .safety && example.violation.property.severity == .error
            && example.steps <= Self.depth {
            expected[example.violation.property.id] = example.steps
        }
        let bmc = try BoundedModelChecker(
            semantics: Semantics.abstracting(program), depth: Self.depth, maxStates: controlStateBound, queryTimeoutMilliseconds: 600_000).run()
        #expect(bmc.incomplete == nil, "\(path): \(bmc.incomplete ?? "")")
        let found = Dictionary(bmc.findings.map { ($0.property.id, $0.steps) }, uniquingKeysWith: { first, _ in first })
        #expect(found == expected, "\(path): BMC \(found), explicit \(expected)")
    }

    @Test func anUndecidedCheckIsInconclusive() throws {
        let bmc = try BoundedModelChecker(
            semantics: Semantics.abstracting(RepositoryModels.program("Tests/EndToEndTests/Fixtures/FactoringBranch.swift")), depth: 4,
            queryTimeoutMilliseconds: 50).run()
        #expect(bmc.findings.isEmpty)
        #expect(bmc.incomplete?.contains("Z3 could not decide Assertion") == true, "\(bmc.incomplete ?? "complete")")
    }

    @Test func theOverflowIsFoundWithItsValues() throws {
        let bmc = try BoundedModelChecker(
            semantics: Semantics.abstracting(RepositoryModels.program("Models/Bugs/SwapBufferRoundingOverflow.swift")), depth: 8).run()
        let finding = try #require(bmc.findings.first)
        #expect(finding.property.id == "Assertion")
        // Z3 picks some overflowing Length (not necessarily the smallest): check that it overflows.
        let length = try #require(finding.values.first { $0.hasPrefix("READ #1.Length = 0x") }.flatMap { UInt64($0.dropFirst("READ #1.Length = 0x".count), radix: 16) })
        #expect(length > 0xFFFF_F000, "\(finding.values)")
    }
}
