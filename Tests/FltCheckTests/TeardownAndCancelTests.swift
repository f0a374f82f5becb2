import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// Every event text of every transition reachable from the initial state.
func allEventTexts(_ program: Program) -> [String] {
    let semantics = Semantics(program)
    var texts: [String] = []
    var seen: Set<StateKey> = [StateKey(semantics.initialState())]
    var frontier = [semantics.initialState()]
    while let state = frontier.popLast() {
        for successor in semantics.successors(of: state, events: true) {
            texts += successor.events.map(\.text)
            if successor.violation == nil, seen.insert(StateKey(successor.state)).inserted { frontier.append(successor.state) }
        }
    }
    return texts
}

@Suite struct Teardown {
    @Test func owedPostOpsAreDrainedOnceAndNewOperationsSkipTheInstance() throws {
        // I:drain, D:post: an operation awaiting the post-op gets it with DRAINING, exactly once;
        // T5: an operation that has not reached the instance is not seen by it.
        let program = try program {
            let calls = IntVariable("calls", 0...2)
            _ = Model("Drain") {
                Workload {
                    Requests(.write, fileSystem: .asynchronous(.success))
                    InstanceTeardown("Watcher")
                }
                Filter("Watcher", altitude: 100) {
                    PreOperation(.write) { Return(.successWithCallback) }
                    PostOperation(.write) {
                        Atomic { calls.set(calls + 1) }
                        Assert(calls == 1, "the post-op runs once, drained or not")
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("drains WRITE #1") })
        #expect(texts.contains { $0.contains("skips Watcher for WRITE #1") })
        #expect(texts.contains { $0.contains("instance is torn down") })
    }

    @Test func drainedPostOpThatPendsIsReported() throws {
        let program = try program {
            _ = Model("DrainPends") {
                Workload {
                    Requests(.write, fileSystem: .asynchronous(.success))
                    InstanceTeardown("Poster")
                }
                Filter("Poster", altitude: 100) {
                    let finish = WorkItem("Finish") { CompletePendedPostOperation(Op.current) }
                    PreOperation(.write) { Return(.successWithCallback) }
                    PostOperation(.write) {
                        QueueDeferredIoWorkItem(finish) {
                            Return(.moreProcessingRequired)
                        } onFailure: {
                            Return(.moreProcessingRequired)
                        }
                    }
                }
            }
        }
        #expect(violatedIds(explore(program)).contains("DrainingCleanupOnly"))
    }

    @Test func teardownCompleteWaitsForPendedOperations() throws {
        // T4: with a read pended that teardown start does not resume, teardown never completes.
        let program = try program {
            let parked = OperationVariable("parked")
            _ = Model("Parked") {
                Workload {
                    Requests(.read)
                    InstanceTeardown("Parker", when: .anytime)
                }
                Filter("Parker", altitude: 100) {
                    PreOperation(.read) {
                        parked.set(Op.current)
                        Return(.pending)
                    }
                }
            }
        }
        let ids = violatedIds(explore(program))
        #expect(ids.contains("TeardownCompletes"))
        #expect(ids.contains("PendedOperationsResumed"))
    }

    @Test func teardownStartThatResumesParkedOperationsCompletes() throws {
        let program = try program {
            let parked = OperationVariable("parked")
            _ = Model("ParkedAndReleased") {
                Workload {
                    Requests(.read)
                    InstanceTeardown("Parker")
                }
                Filter("Parker", altitude: 100) {
                    PreOperation(.read) {
                        Atomic {
                            parked.set(Op.current)
                        }
                        Return(.pending)
                    }
                    InstanceTeardownStart {
                        Atomic {
                            If(parked != Op.none) {
                                CompletePendedPreOperation(parked, .complete(.cancelled))
                                parked.set(Op.none)
                            }
                        }
                    }
                }
            }
        }
        let result = explore(program)
        // The read can still arrive after teardown start has run: then the instance is skipped (T5)
        // only if teardown started before the pre-op; a pre-op already running parks it too late.
        #expect(result.exhaustive)
        #expect(violatedIds(result).isSubset(of: ["TeardownCompletes", "PendedOperationsResumed"]))
    }

    @Test func resumeAfterTeardownCompleteIsReported() throws {
        let program = try program {
            let parked = OperationVariable("parked")
            _ = Model("LateResume") {
                Workload {
                    Requests(.read)
                    InstanceTeardown("Parker")
                }
                Filter("Parker", altitude: 100) {
                    PreOperation(.read) {
                        parked.set(Op.current)
                        Return(.pending)
                    }
                    InstanceTeardownComplete {
                        If(parked != Op.none) {
                            CompletePendedPreOperation(parked, .complete(.cancelled))
                        }
                    }
                }
            }
        }
        // Teardown complete waits for the pended read (T4), so the late resume can only be reached
        // if FltMgr called it anyway; it does not: the hang is what is reported.
        let ids = violatedIds(explore(program))
        #expect(ids.contains("TeardownCompletes"))
        #expect(!ids.contains("NoResumeAfterTeardownComplete"))
    }

    @Test func deferredQueueFailsWhileTheInstanceIsTornDown() throws {
        // W1: STATUS_FLT_DELETING_OBJECT once teardown has started.
        let program = try program {
            _ = Model("DeletingObject") {
                Workload {
                    Requests(.read)
                    InstanceTeardown("Poster")
                }
                Filter("Poster", altitude: 100) {
                    let work = WorkItem("Work") { CompletePendedPreOperation(Op.current, .successNoCallback) }
                    PreOperation(.read) {
                        Step()
                        QueueDeferredIoWorkItem(work) {
                            Return(.pending)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        #expect(explore(program).counterexamples.isEmpty)
        #expect(allEventTexts(program).contains { $0.contains("STATUS_FLT_DELETING_OBJECT") })
    }
}

@Suite struct Cancellation {
    func queueModel(cancelCompletes: Bool, insertStatus: NTStatus = .success) throws -> Program {
        try program {
            let next = OperationVariable("next")
            _ = Model("Queue") {
                Workload { Requests(.read, cancellable: true) }
                Filter("Queuer", altitude: 100) {
                    let queue = CancelSafeQueue("Pending", insertReturns: insertStatus) {
                        if cancelCompletes {
                            CompletePendedPreOperation(Op.current, .complete(.cancelled))
                        } else {
                            Step()
                        }
                    }
                    let worker = WorkItem("Worker") {
                        Atomic {
                            queue.removeNext(into: next)
                            If(next != Op.none) {
                                CompletePendedPreOperation(next, .successNoCallback)
                                next.set(Op.none)
                            }
                        }
                    }
                    PreOperation(.read) {
                        queue.insert {
                            QueueDeferredIoWorkItem(worker) {
                                Return(.pending)
                            } onFailure: {
                                Return(.pending)
                            }
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
    }

    @Test func cancelAndWorkerNeverBothCompleteAQueuedOperation() throws {
        // C6, C7: the cancel path takes the operation out of the queue, so the worker cannot.
        let program = try queueModel(cancelCompletes: true)
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("calls its cancel callback") })
        #expect(texts.contains { $0.contains("FltCbdqRemoveNextIo(Pending) → NULL") })
    }

    @Test func aCancelCallbackMustCompleteTheOperation() throws {
        let result = explore(try queueModel(cancelCompletes: false))
        #expect(violatedIds(result) == ["CbdqCancelCallbackCompletes"], "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func anOperationCancelledBeforeInsertGoesToTheCancelCallbackAtOnce() throws {
        // C4: inserting an already-cancelled operation runs the cancel callback in the inserting thread.
        let program = try program {
            _ = Model("CancelledFirst") {
                Workload { Requests(.read, cancellable: true) }
                Filter("Queuer", altitude: 100) {
                    let queue = CancelSafeQueue("Pending") {
                        CompletePendedPreOperation(Op.current, .complete(.cancelled))
                    }
                    PreOperation(.read) {
                        Step()
                        queue.insert {
                            Return(.pending)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        // With no worker, a read queued before the cancel is stuck (only the cancel ends it); the
        // read cancelled before its insert is completed by the cancel callback, with no violation.
        #expect(violatedIds(explore(program)) == ["PendedOperationsResumed"])
        #expect(allEventTexts(program).contains { $0.contains("already cancelled") })
    }

    @Test func pendingAfterAFailedInsertIsReported() throws {
        let program = try program {
            _ = Model("InsertIgnored") {
                Workload { Requests(.read) }
                Filter("Queuer", altitude: 100) {
                    let queue = CancelSafeQueue("Pending") {
                        CompletePendedPreOperation(Op.current, .complete(.cancelled))
                    }
                    PreOperation(.read) {
                        queue.disable()
                        queue.insert {
                            Return(.pending)
                        } onFailure: {
                            Return(.pending)
                        }
                    }
                }
            }
        }
        #expect(violatedIds(explore(program)).contains("CbdqInsertResultConsistency"))
    }

    @Test func fastIoInACancelSafeQueueIsReported() throws {
        let program = try program {
            _ = Model("FastIoQueued") {
                Workload { Requests(.read, kind: .fastIo) }
                Filter("Queuer", altitude: 100) {
                    let queue = CancelSafeQueue("Pending") {
                        CompletePendedPreOperation(Op.current, .complete(.cancelled))
                    }
                    PreOperation(.read) {
                        queue.insert {
                            Return(.successNoCallback)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        #expect(violatedIds(explore(program)) == ["CbdqIrpOnly"])
    }

    @Test func aRequestOnlyACancelWouldEndIsStuck() throws {
        // Liveness does not rely on the originator to cancel: a queued read with no worker is stuck.
        let program = try program {
            _ = Model("NoWorker") {
                Workload { Requests(.read, cancellable: true) }
                Filter("Queuer", altitude: 100) {
                    let queue = CancelSafeQueue("Pending") {
                        CompletePendedPreOperation(Op.current, .complete(.cancelled))
                    }
                    PreOperation(.read) {
                        queue.insert {
                            Return(.pending)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        let result = explore(program)
        let stuck = try #require(result.counterexamples.first { $0.violation.property == .pendedOperationsResumed })
        #expect(stuck.violation.message.contains("only a cancel by its originator"))
        #expect(violatedIds(result) == ["PendedOperationsResumed"])
    }
}

@Suite struct Unloading {
    func unloadModel(mandatory: Bool, veto: Bool, fromWorkItem: Bool = false, unloadCallback: Bool = true) throws -> Program {
        try program {
            _ = Model("Unloading") {
                Workload {
                    Requests(.read)
                    Unload("Filter", mandatory: mandatory)
                }
                Filter("Filter", altitude: 100) {
                    let unregister = WorkItem("Unregister", kind: .generic) { UnregisterFilter() }
                    PreOperation(.read) { Return(.successNoCallback) }
                    if unloadCallback {
                        FilterUnload {
                            if veto {
                                Return(status: .fltDoNotDetach)
                            } else if fromWorkItem {
                                QueueGenericWorkItem(unregister) { Step() } onFailure: { Step() }
                                WaitUntil(false)
                            } else {
                                UnregisterFilter()
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func anUnloadThatUnregistersCompletes() throws {
        let program = try unloadModel(mandatory: false, veto: false)
        #expect(explore(program).counterexamples.isEmpty)
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("Filter is unregistered") })
        // T11: FltUnregisterFilter tears the instance down; later requests pass it by (T5).
        #expect(texts.contains { $0.contains("skips Filter for READ #1") })
    }

    @Test func aNonMandatoryUnloadMayBeVetoed() throws {
        let program = try unloadModel(mandatory: false, veto: true)
        #expect(explore(program).counterexamples.isEmpty)
        #expect(allEventTexts(program).contains { $0.contains("vetoed the unload") })
    }

    @Test func aMandatoryUnloadCannotBeVetoed() throws {
        #expect(violatedIds(explore(try unloadModel(mandatory: true, veto: true))) == ["UnloadCompletes"])
    }

    @Test func withoutAnUnloadCallbackThereIsNoUnload() throws {
        let program = try unloadModel(mandatory: false, veto: false, unloadCallback: false)
        #expect(explore(program).counterexamples.isEmpty)
        #expect(allEventTexts(program).contains { $0.contains("no FilterUnloadCallback (T9)") })
    }

    @Test func unregisteringFromTheFiltersOwnWorkItemDeadlocks() throws {
        // T12: the work item's own rundown reference keeps FltUnregisterFilter waiting forever.
        let result = explore(try unloadModel(mandatory: true, veto: false, fromWorkItem: true))
        let hang = try #require(result.counterexamples.first { $0.violation.property == .unloadCompletes })
        #expect(hang.violation.message.contains("T12"))
    }
}
