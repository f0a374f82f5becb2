import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// W3 (D:adef, D:fdef, D:qgen, V:fv): work items with explicit allocation are freed exactly once.
@Suite struct WorkItemAllocation {
    /// A pre-op that allocates a deferred work item and queues it; the routine frees it, and
    /// `freeOnFailure` says whether the pre-op frees it when queueing fails.
    func deferrer(freeOnFailure: Bool, queueWithoutAllocating: Bool = false) throws -> Program {
        try program {
            _ = Model("Deferrer") {
                Workload {
                    Requests(.read, topLevelIrp: true)
                    Unload("Filter", mandatory: true)
                }
                Filter("Filter", altitude: 100) {
                    let process = WorkItem("Process", explicitAllocation: true) {
                        CompletePendedPreOperation(Op.current, .successNoCallback)
                        FreeWorkItem()
                    }
                    PreOperation(.read) {
                        if queueWithoutAllocating {
                            QueueDeferredIoWorkItem(process) { Return(.pending) } onFailure: { Return(.successNoCallback) }
                        } else {
                            AllocateWorkItem(process) {
                                // TopLevelIrp: FltQueueDeferredIoWorkItem fails (W1).
                                QueueDeferredIoWorkItem(process) {
                                    Return(.pending)
                                } onFailure: {
                                    if freeOnFailure { FreeWorkItem(process) }
                                    Return(.successNoCallback)
                                }
                            } onFailure: {
                                Return(.successNoCallback)
                            }
                        }
                    }
                    FilterUnload { UnregisterFilter() }
                }
            }
        }
    }

    @Test func freeingOnQueueFailureHolds() throws {
        let program = try deferrer(freeOnFailure: true)
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(program)
        // Both outcomes of the allocation are explored.
        #expect(texts.contains { $0.contains("FltAllocateDeferredIoWorkItem(Process) returns NULL") })
        #expect(texts.contains { $0.contains("FltAllocateDeferredIoWorkItem(Process) succeeds: 1") })
        #expect(texts.contains { $0.contains("FltFreeDeferredIoWorkItem(Process): 0") })
    }

    @Test func aWorkItemNotFreedOnQueueFailureLeaksAtUnload() throws {
        let result = explore(try deferrer(freeOnFailure: false))
        let leak = try #require(result.counterexamples.first)
        #expect(leak.violation.property == .workItemFreedOnce)
        #expect(leak.violation.message.contains("unloads with 1 Process work item(s) allocated and never freed"))
    }

    @Test func queueingAnUnallocatedWorkItemIsReported() throws {
        let result = explore(try deferrer(freeOnFailure: true, queueWithoutAllocating: true))
        let failure = try #require(result.counterexamples.first)
        #expect(failure.violation.property == .workItemFreedOnce)
        #expect(failure.violation.message.contains("with no work item allocated"))
    }

    @Test func theRepositoryPairBreaksAndKeepsTheRule() throws {
        let bug = try RepositoryModels.program("Models/Bugs/WorkItemFreedTwice.swift")
        let failure = try #require(explore(bug).counterexamples.first)
        #expect(failure.violation.property == .workItemFreedOnce)
        #expect(failure.violation.message.contains("freed twice"))
        #expect(explore(try RepositoryModels.program("Models/WorkItemAllocation.swift")).counterexamples.isEmpty)
    }

    @Test func explicitAllocationIsValidated() {
        func error(_ declarations: () -> Void) -> String? {
            let envelope = captureModels(declarations)
            guard let ir = envelope.models.first else { return "no model" }
            do {
                _ = try Program(ir)
                return nil
            } catch {
                return error.message
            }
        }
        let implicit = error {
            _ = Model("Implicit") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) {
                    let item = WorkItem("Item") { CompletePendedPreOperation(Op.current, .successNoCallback) }
                    PreOperation(.read) {
                        AllocateWorkItem(item) { Return(.successNoCallback) } onFailure: { Return(.successNoCallback) }
                    }
                }
            }
        }
        #expect(implicit?.contains("is not declared with WorkItem(..., explicitAllocation: true)") == true)
        let outside = error {
            _ = Model("FreeOutsideRoutine") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) {
                    PreOperation(.read) {
                        FreeWorkItem()
                        Return(.successNoCallback)
                    }
                }
            }
        }
        #expect(outside?.contains("FreeWorkItem() frees the work item whose routine runs") == true)
    }
}
