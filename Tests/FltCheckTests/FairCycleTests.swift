import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

@Suite struct FairCycles {
    /// A read parked by the pre-op; a generic work item polls a flag. `setter` decides whether
    /// another work item ever sets it and resumes the read.
    func pollingModel(setter: Bool) throws -> Program {
        try program {
            let parked = OperationVariable("parked")
            let go = BoolVariable("go")
            _ = Model("Polling") {
                Workload { Requests(.read) }
                Filter("Poller", altitude: 10) {
                    let poller = WorkItem("Poller", kind: .generic) {
                        While(!go) { Step() }
                        CompletePendedPreOperation(parked, .successNoCallback)
                    }
                    let wake = WorkItem("Wake", kind: .generic) { go.set(true) }
                    PreOperation(.read) {
                        parked.set(Op.current)
                        QueueGenericWorkItem(poller) { Step() } onFailure: { Step() }
                        if setter {
                            QueueGenericWorkItem(wake) { Step() } onFailure: { Step() }
                        }
                        Return(.pending)
                    }
                }
            }
        }
    }

    @Test func aRequestPendedWhileAWorkerSpinsForeverIsReported() throws {
        let program = try pollingModel(setter: false)
        #expect(program.hasLoops)
        let result = explore(program)
        let stuck = try #require(result.counterexamples.first { $0.violation.property == .pendedOperationsResumed })
        #expect(!stuck.atEndState)
        let closing = try #require(stuck.trace.last)
        #expect(closing.event.text.contains("repeat forever"))
        #expect(closing.event.text.contains("weak fairness"))
    }

    @Test func aCycleThatStarvesAThreadAbleToRunIsNotACounterexample() throws {
        // Under weak fairness the waker runs eventually: spinning until then is not a hang.
        let result = explore(try pollingModel(setter: true))
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(result.exhaustive)
    }
}

@Suite struct CompletionWhenSafe {
    @Test func theSafeCallbackRunsInlineAtPassiveAndIsPostedAtDispatch() throws {
        let program = try program {
            let copies = IntVariable("copies", 0...1)
            _ = Model("WhenSafe") {
                Workload { Requests(.read, fileSystem: .asynchronous(.success)) }
                Filter("Copier", altitude: 10) {
                    let copyBack = SafePostCallback("CopyBack") {
                        Assert(Irql.current <= Irql.apc, "the safe callback runs at IRQL <= APC_LEVEL")
                        copies.set(1)
                        Return(.finishedProcessing)
                    }
                    PreOperation(.read) { Return(.successWithCallback) }
                    PostOperation(.read) {
                        DoCompletionProcessingWhenSafe(copyBack) {
                            Return(.finishedProcessing)
                        }
                    }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("→ TRUE: safe now") })
        #expect(texts.contains { $0.contains("→ TRUE: posted to a worker thread") })
        #expect(texts.contains { $0.contains("completes READ #1 to its originator") })
    }
}
