import FltExplorer
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Testing

// The model options for what the docs leave open (catalog §1.9, DESIGN.md §2): each setting is
// explored, and the repository models that depend on none hold under every one.

/// The model compiled again with its options changed.
func withOptions(_ program: Program, _ change: (inout OptionsIR) -> Void) throws -> Program {
    var ir = program.model
    change(&ir.options)
    return try Program(ir)
}

@Suite struct TeardownWaitOption {
    /// A deferred work item that goes on after resuming its read; InstanceTeardownComplete asserts
    /// that no work item runs.
    func lingeringWorker(_ rule: TeardownWaitRule) throws -> Program {
        try program {
            let working = BoolVariable("working")
            _ = Model("Lingering", teardownWaitsFor: rule) {
                Workload {
                    Requests(.read)
                    InstanceTeardown("Filter")
                }
                Filter("Filter", altitude: 100) {
                    let finish = WorkItem("Finish") {
                        working.set(true)
                        CompletePendedPreOperation(Op.current, .successNoCallback)
                        working.set(false)
                    }
                    PreOperation(.read) {
                        QueueDeferredIoWorkItem(finish) {
                            Return(.pending)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                    InstanceTeardownComplete {
                        Assert(!working, "no work item of the filter runs")
                    }
                }
            }
        }
    }

    @Test func byDefaultAWorkItemStillRunningDoesNotDelayTeardownComplete() throws {
        // T4 (D:teardown, I:load) speaks of operations only: the read is resumed, so teardown may
        // complete while its work item still runs.
        let program = try lingeringWorker(.operations)
        #expect(program.model.options.teardownWaitsFor == .operations)
        #expect(violatedIds(explore(program)) == ["Assertion"])
    }

    @Test func withOperationsAndWorkItemsTeardownCompleteWaitsForTheWorkItem() throws {
        let program = try lingeringWorker(.operationsAndWorkItems)
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(allEventTexts(program).contains { $0.contains("teardown completes") })
    }

    @Test func theScavengerPairDiffersOnlyInTheOption() throws {
        let holds = try RepositoryModels.program("Models/ScavengerAfterTeardown.swift")
        #expect(explore(holds).counterexamples.isEmpty)
        let waits = try withOptions(holds) { $0.teardownWaitsFor = .operationsAndWorkItems }
        #expect(violatedIds(explore(waits)) == ["TeardownCompletes", "WorkItemsTerminate"])
        let bug = try RepositoryModels.program("Models/Bugs/ScavengerHoldsTeardown.swift")
        #expect(bug.model.options.teardownWaitsFor == .operationsAndWorkItems)
    }

    @Test(arguments: ["Models/Samples/CancelSafe.swift", "Models/WorkerWokenAtTeardown.swift", "Models/CancelSafe.swift"])
    func workersWokenAtTeardownStartHoldEitherWay(_ path: String) throws {
        // Catalog §1.9: cancelSafe works either way, since its teardown start completes every I/O
        // and wakes its worker.
        let base = try RepositoryModels.program(path)
        for rule in [TeardownWaitRule.operations, .operationsAndWorkItems] {
            let result = explore(try withOptions(base) { $0.teardownWaitsFor = rule })
            #expect(result.counterexamples.isEmpty, "\(path) under \(rule): \(result.counterexamples.map(\.violation.message))")
        }
    }
}

@Suite struct DrainedStatusOption {
    /// Upper asks for its post-write; Lower pends its post-write in a work item, so an upper drain
    /// may come before the file system completed the write or while Lower holds it after.
    func stack(_ rule: DrainedStatusRule) throws -> Program {
        try program {
            let sawCompleted = BoolVariable("sawCompleted")
            let sawIncomplete = BoolVariable("sawIncomplete")
            _ = Model("DrainedStatus", drainedStatus: rule) {
                Workload {
                    Requests(.write, fileSystem: .asynchronous(.accessDenied))
                    InstanceTeardown("Upper")
                }
                Filter("Upper", altitude: 200) {
                    PreOperation(.write) { Return(.successWithCallback) }
                    PostOperation(.write) {
                        If(Op.isDraining && Op.status == NTStatus.accessDenied) { sawCompleted.set(true) }
                        If(Op.isDraining && Op.status == NTStatus.unsuccessful) { sawIncomplete.set(true) }
                        Assert(!(Op.isDraining && Op.status == NTStatus.success), "a drained post-op sees a failure")
                        Return(.finishedProcessing)
                    }
                }
                Filter("Lower", altitude: 100) {
                    let finish = WorkItem("Finish") { CompletePendedPostOperation(Op.current) }
                    PreOperation(.write) { Return(.successWithCallback) }
                    PostOperation(.write) {
                        QueueDeferredIoWorkItem(finish) {
                            Return(.moreProcessingRequired)
                        } onFailure: {
                            Return(.finishedProcessing)
                        }
                    }
                }
            }
        }
    }

    @Test func byDefaultTheDrainedCopyCarriesTheStatusSoFar() throws {
        // D:post: a copy of the callback data. Before the file system completes the write, its
        // IoStatus is still STATUS_SUCCESS.
        let program = try stack(.operationStatus)
        #expect(program.model.options.drainedStatus == .operationStatus)
        #expect(violatedIds(explore(program)) == ["Assertion"])
    }

    @Test func failureUntilCompletedShowsAFailureOnlyBeforeCompletion() throws {
        let program = try stack(.failureUntilCompleted)
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(program)
        // Drained while the file system holds the write: STATUS_UNSUCCESSFUL.
        #expect(texts.contains { $0.contains("sawIncomplete = true") })
        #expect(texts.contains { $0.contains("has not been completed below Upper") })
        // Drained while Lower holds the completed write: the file system's status.
        #expect(texts.contains { $0.contains("sawCompleted = true") })
    }

    @Test func theDrainedCreatePairDiffersOnlyInTheOption() throws {
        let bug = try RepositoryModels.program("Models/Bugs/DrainedCreateLooksSuccessful.swift")
        #expect(violatedIds(explore(bug)) == ["Assertion"])
        let fixed = try withOptions(bug) { $0.drainedStatus = .failureUntilCompleted }
        #expect(explore(fixed).counterexamples.isEmpty)
        let model = try RepositoryModels.program("Models/DrainedCreateFailureStatus.swift")
        #expect(model.model.options.drainedStatus == .failureUntilCompleted)
    }
}

@Suite struct ReadingsInTheReport {
    @Test func onlyOptionsOtherThanTheDefaultsAreNamed() {
        #expect(TextReport.nonDefaultReadings(OptionsIR()).isEmpty)
        let readings = TextReport.nonDefaultReadings(OptionsIR(
            cleanupCloseStatus: .statusSuccessOnly, drain: .exceptSynchronized,
            teardownWaitsFor: .operationsAndWorkItems, drainedStatus: .failureUntilCompleted))
        #expect(readings == [
            "cleanupCloseStatus: .statusSuccessOnly", "drain: .exceptSynchronized",
            "teardownWaitsFor: .operationsAndWorkItems", "drainedStatus: .failureUntilCompleted",
        ])
        // The interleaving is how finely to explore, not a reading of the docs.
        #expect(TextReport.nonDefaultReadings(OptionsIR(interleaving: .explicitSteps)).isEmpty)
    }
}
