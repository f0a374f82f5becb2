import FltExplorer
import FltReport
import FltProperties
import FltSemantics
import Testing

/// `--stop-at-first` (`SearchOptions.stopAtFirstViolation`): the search ends at its first
/// error-severity violation, reports it with a real trace and claims nothing about the rest.
@Suite struct StopAtFirst {
    static func run(_ path: String, _ parameters: [String: String] = [:], strategy: SearchOptions.Strategy, stop: Bool) throws -> ExplorationResult {
        let semantics = Semantics(try RepositoryModels.program(path, parameters: parameters))
        return Explorer(semantics: semantics, options: SearchOptions(strategy: strategy, jobs: 2, stopAtFirstViolation: stop)).run()
    }

    static func errors(_ result: ExplorationResult) -> [Counterexample] {
        result.counterexamples.filter { $0.violation.property.severity == .error }
    }

    @Test(arguments: [SearchOptions.Strategy.bfs, .dfs])
    func aViolationEndsTheSearchEarlyWithOneRealCounterexample(_ strategy: SearchOptions.Strategy) throws {
        let parameters = ["N": "3", "VARIANT": "doubleCompletion"]
        let full = try Self.run(CrossCheck.filterStack, parameters, strategy: strategy, stop: false)
        let stopped = try Self.run(CrossCheck.filterStack, parameters, strategy: strategy, stop: true)
        guard case .firstViolation? = stopped.bound else {
            Issue.record("expected to stop at the first violation, got \(String(describing: stopped.bound))")
            return
        }
        #expect(!stopped.exhaustive)
        #expect(Verdict(stopped) == .violated)
        let first = try #require(Self.errors(stopped).first)
        #expect(Self.errors(stopped).count == 1)
        #expect(Self.errors(full).map(\.violation.property.id).contains(first.violation.property.id))
        #expect(stopped.statesStored < full.statesStored / 10, "\(stopped.statesStored) of \(full.statesStored) states")
        if strategy == .bfs {
            // Breadth-first, the first violation met is one of the shortest of any property.
            #expect(first.steps == Self.errors(full).map(\.steps).min())
        }
    }

    @Test func aModelThatHoldsIsExploredToTheEnd() throws {
        let full = try Self.run("Models/PendResume.swift", strategy: .bfs, stop: false)
        let stopped = try Self.run("Models/PendResume.swift", strategy: .bfs, stop: true)
        #expect(stopped.exhaustive && stopped.bound == nil)
        #expect(stopped.statesStored == full.statesStored)
        #expect(Verdict(stopped) == .holds)
    }

    @Test func anAdvisoryWarningDoesNotStopIt() throws {
        // AvScan holds with the advisory NoSyncCreate (P10).
        let stopped = try Self.run("Models/Samples/AvScan.swift", strategy: .bfs, stop: true)
        #expect(stopped.counterexamples.map(\.violation.property.id) == ["NoSyncCreate"])
        #expect(stopped.exhaustive, "\(String(describing: stopped.bound))")
        #expect(Verdict(stopped) == .holds)
    }
}
