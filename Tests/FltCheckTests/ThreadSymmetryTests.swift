import FltExplorer
import FltProperties
import FltSemantics
import Testing

/// Symmetric threads (`SearchOptions.threadSymmetry`, `--all-symmetric-threads` to turn it off):
/// where swapping two identical requests maps a state to itself, the steps of one request's threads
/// are the other's renamed, and only one of them is taken. EngineCrossCheck compares it with
/// `--all-symmetric-threads` on every model; these pin down which threads it leaves out.
@Suite struct ThreadSymmetry {
    static func semantics(_ variant: String, n: Int = 3) throws -> Semantics {
        Semantics(try RepositoryModels.program(CrossCheck.filterStack, parameters: ["N": "\(n)", "VARIANT": variant]))
    }

    /// The names of the threads whose steps are taken from `state`, skipping `skipping`.
    static func movers(_ semantics: Semantics, _ state: SystemState, skipping: UInt64 = 0) -> Set<String> {
        Set(semantics.successors(of: state, skipping: skipping).map { semantics.threadName(of: $0.transition, in: state) })
    }

    @Test func ofIdenticalOriginatorsOnlyTheFirstMoves() throws {
        let semantics = try Self.semantics("correct")
        let canonicalizer = StateCanonicalizer(program: semantics.program, enabled: true)
        let initial = semantics.initialState()
        let everyone = Self.movers(semantics, initial)
        #expect(everyone.isSuperset(of: ["READ #1 originator", "READ #2 originator", "READ #3 originator"]), "\(everyone)")
        let skipped = canonicalizer.redundantThreads(initial, scratch: CanonicalScratch())
        let taken = Self.movers(semantics, initial, skipping: skipped)
        // Only the renamed copies go: the teardown (no request's thread) still moves.
        #expect(taken == everyone.subtracting(["READ #2 originator", "READ #3 originator"]), "taken \(taken) of \(everyone)")
        #expect(taken.count >= 2, "\(taken)")
    }

    @Test func aRequestThatMovedIsNoLongerInterchangeable() throws {
        let semantics = try Self.semantics("correct")
        let canonicalizer = StateCanonicalizer(program: semantics.program, enabled: true)
        let initial = semantics.initialState()
        let issued = try #require(semantics.successors(of: initial).first {
            semantics.threadName(of: $0.transition, in: initial) == "READ #1 originator"
        }).state
        let everyone = Self.movers(semantics, issued)
        let taken = Self.movers(semantics, issued, skipping: canonicalizer.redundantThreads(issued, scratch: CanonicalScratch()))
        // READ #1 is on its way, READ #2 and #3 still wait alike: only #3 is a copy.
        #expect(everyone.contains("READ #2 originator") && everyone.contains("READ #3 originator"), "\(everyone)")
        #expect(taken == everyone.subtracting(["READ #3 originator"]), "taken \(taken) of \(everyone)")
    }

    @Test func withoutSymmetryReductionNoThreadIsSkipped() throws {
        let semantics = try Self.semantics("correct")
        let canonicalizer = StateCanonicalizer(program: semantics.program, enabled: false)
        #expect(canonicalizer.redundantThreads(semantics.initialState(), scratch: CanonicalScratch()) == 0)
        let result = Explorer(semantics: semantics, options: SearchOptions(symmetry: false, jobs: 1)).run()
        #expect(!result.symmetricThreadsSkipped)
    }

    /// Fewer steps for the same states and verdicts, with counterexamples as short.
    @Test(arguments: CrossCheck.filterStackVariants.keys.sorted())
    func fewerStepsForTheSameSearch(_ variant: String) throws {
        let semantics = try Self.semantics(variant)
        let skipping = Explorer(semantics: semantics, options: SearchOptions(jobs: 1)).run()
        let allThreads = Explorer(semantics: semantics, options: SearchOptions(jobs: 1, threadSymmetry: false)).run()
        #expect(skipping.symmetricThreadsSkipped && !allThreads.symmetricThreadsSkipped)
        #expect(skipping.exhaustive && allThreads.exhaustive)
        #expect(violatedIds(skipping) == violatedIds(allThreads))
        #expect(violatedIds(skipping).isSuperset(of: try #require(CrossCheck.filterStackVariants[variant])), "\(violatedIds(skipping))")
        let steps = { (result: ExplorationResult) in
            Dictionary(result.counterexamples.map { ($0.violation.property.id, $0.steps) }, uniquingKeysWith: min)
        }
        #expect(steps(skipping) == steps(allThreads))
        #expect(skipping.statesStored == allThreads.statesStored, "\(skipping.statesStored) states skipping, \(allThreads.statesStored) with every thread")
        #expect(skipping.transitions < allThreads.transitions, "\(skipping.transitions) transitions skipping, \(allThreads.transitions) with every thread")
    }
}
