import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// Builds a model in-process and compiles it.
func program(_ declarations: () -> Void) throws -> Program {
    let envelope = captureModels(declarations)
    #expect(envelope.errors.isEmpty, "\(envelope.errors)")
    let ir = try #require(envelope.models.first)
    return try Program(ir)
}

/// The ModelError a model gets when it is compiled, or nil (also nil when it declares no model).
func compileError(_ declarations: () -> Void) -> ModelError? {
    let envelope = captureModels(declarations)
    guard let ir = envelope.models.first else { return nil }
    do {
        _ = try Program(ir)
        return nil
    } catch {
        return error
    }
}

/// Statements built outside a model's closure (by a test's parameters), put back in place.
struct Verbatim: Statement {
    let ir: StatementIR
}

func explore(_ program: Program, _ limits: Limits = Limits()) -> ExplorationResult {
    Explorer(semantics: Semantics(program), limits: limits).run()
}

func violatedIds(_ result: ExplorationResult) -> Set<String> {
    Set(result.counterexamples.map(\.violation.property.id))
}

@Suite struct DispatchOrder {
    @Test func preOperationsRunByAltitudeAndPostOperationsInReverse() throws {
        // Declared lowest first: the semantics must order by altitude, not declaration (S0, S3).
        let program = try program {
            let order = IntVariable("order", 0...4)
            _ = Model("Order") {
                Workload { Requests(.read) }
                Filter("Lower", altitude: 100) {
                    PreOperation(.read) {
                        Assert(order == 1, "lower pre-op runs second")
                        order.set(2)
                        Return(.successWithCallback)
                    }
                    PostOperation(.read) {
                        Assert(order == 2, "lower post-op runs first on the way up")
                        order.set(3)
                        Return(.finishedProcessing)
                    }
                }
                Filter("Upper", altitude: 200) {
                    PreOperation(.read) {
                        Assert(order == 0, "upper pre-op runs first")
                        order.set(1)
                        Return(.successWithCallback)
                    }
                    PostOperation(.read) {
                        Assert(order == 3, "upper post-op runs last")
                        order.set(4)
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(result.exhaustive)
    }

    @Test func completeStopsTheDescentAndOnlyUpperPostOpsRun() throws {
        // P6: below the completing filter nothing runs; its own post-op is skipped.
        let program = try program {
            let lowerCalled = BoolVariable("lowerCalled")
            let upperPost = BoolVariable("upperPost")
            _ = Model("Complete") {
                Workload { Requests(.read) }
                Filter("Upper", altitude: 300) {
                    PreOperation(.read) { Return(.successWithCallback) }
                    PostOperation(.read) {
                        Assert(Op.status == NTStatus.accessDenied, "the completing filter's status reaches the filters above")
                        upperPost.set(true)
                        Return(.finishedProcessing)
                    }
                }
                Filter("Completer", altitude: 200) {
                    PreOperation(.read) { Return(.complete(.accessDenied)) }
                    PostOperation(.read) {
                        Assert(false, "the completing filter's own post-op is not called")
                        Return(.finishedProcessing)
                    }
                }
                Filter("Lower", altitude: 100) {
                    PreOperation(.read) {
                        lowerCalled.set(true)
                        Assert(false, "nothing below a COMPLETE is called")
                        Return(.successNoCallback)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func aFilterWithOnlyAPostOperationGetsIt() throws {
        // D:opreg: a NULL pre-op with a registered post-op behaves as SUCCESS_WITH_CALLBACK.
        let program = try program {
            let seen = BoolVariable("seen")
            _ = Model("PostOnly") {
                Workload { Requests(.write) }
                Filter("PostOnly", altitude: 100) {
                    PostOperation(.write) {
                        seen.set(true)
                        Assert(false, "reached")
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        #expect(violatedIds(explore(program)) == ["Assertion"])
    }
}

@Suite struct PendingAndResuming {
    @Test func resumeBeforeThePreOpReturnsIsAcceptedWhenItReturnsPending() throws {
        // R8: the work item may resume the operation before the pre-op has returned PENDING.
        let program = try program {
            _ = Model("EarlyResume") {
                Workload { Requests(.read) }
                Filter("Pender", altitude: 100) {
                    let worker = WorkItem("Worker") { CompletePendedPreOperation(Op.current, .successNoCallback) }
                    PreOperation(.read) {
                        QueueDeferredIoWorkItem(worker) {
                            Step()
                            Return(.pending)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        // The early-resume interleaving exists: some transition resumes while the pre-op still runs.
        let semantics = Semantics(program)
        var sawEarly = false
        var frontier = [semantics.initialState()]
        var seen: Set<[UInt8]> = []
        while let state = frontier.popLast() {
            for successor in semantics.successors(of: state, events: true) {
                let texts = successor.events.map(\.text)
                if texts.contains(where: { $0.contains("FltCompletePendedPreOperation") }),
                   !texts.contains(where: { $0.contains("returns FLT_PREOP_PENDING") }),
                   successor.state.encoded() != state.encoded() {
                    // Resume happened in a step of its own; check the pre-op returned afterwards.
                    sawEarly = sawEarly || semantics.successors(of: successor.state, events: true).contains {
                        $0.events.contains { $0.text.contains("returns FLT_PREOP_PENDING") }
                    }
                }
                if seen.insert(successor.state.encoded()).inserted { frontier.append(successor.state) }
            }
        }
        #expect(sawEarly)
    }

    @Test func resumeBeforeANonPendingReturnIsReported() throws {
        let program = try program {
            _ = Model("ResumedButNotPended") {
                Workload { Requests(.read) }
                Filter("Pender", altitude: 100) {
                    let worker = WorkItem("Worker") { CompletePendedPreOperation(Op.current, .successNoCallback) }
                    PreOperation(.read) {
                        QueueDeferredIoWorkItem(worker) {
                            Return(.successNoCallback)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        #expect(violatedIds(explore(program)) == ["ResumeOnlyWhatYouPended"])
    }

    @Test func synchronizeRunsThePostOpInThePreOpsThread() throws {
        // Q12: with an asynchronous file system, the post-op still runs in the originating thread.
        let program = try program {
            _ = Model("Sync") {
                Workload { Requests(.write, fileSystem: .asynchronous(.success)) }
                Filter("Syncer", altitude: 100) {
                    PreOperation(.write) { Return(.synchronize) }
                    PostOperation(.write) {
                        Assert(false, "post-op reached")
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        let example = try #require(result.counterexamples.first)
        #expect(example.violation.property == .assertion)
        let postLine = try #require(example.trace.last { $0.event.text.contains("assertion failed") })
        #expect(postLine.event.actor == "WRITE #1 originator")
        #expect(example.trace.contains { $0.event.actor == "file system" })
    }

    @Test func synchronizeOnFastIoDegradesToWithCallback() throws {
        // P9: no SYNCHRONIZE wait on a non-IRP operation; the post-op runs as for WITH_CALLBACK.
        let program = try program {
            let posted = BoolVariable("posted")
            _ = Model("SyncFastIo") {
                Workload { Requests(.read, kind: .fastIo) }
                Filter("Syncer", altitude: 100) {
                    PreOperation(.read) { Return(.synchronize) }
                    PostOperation(.read) {
                        posted.set(true)
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        // P9 is an advisory: reported, and the run goes on.
        #expect(violatedIds(result) == ["SyncNonIrpDegrades"])
        #expect(result.counterexamples.allSatisfy { $0.violation.property.severity == .advisory })
        let semantics = Semantics(program)
        var state = semantics.initialState()
        var texts: [String] = []
        while let next = semantics.successors(of: state, events: true).first {
            texts += next.events.map(\.text)
            state = next.state
        }
        #expect(texts.contains { $0.contains("(P9)") })
        #expect(state.allCompleted)
    }

    @Test func moreProcessingRequiredHoldsCompletionUntilResumed() throws {
        let program = try program {
            let finished = BoolVariable("finished")
            _ = Model("PostPend") {
                Workload { Requests(.write) }
                Filter("Upper", altitude: 200) {
                    PreOperation(.write) { Return(.successWithCallback) }
                    PostOperation(.write) {
                        Assert(finished, "the lower filter's work item finished before completion went on")
                        Return(.finishedProcessing)
                    }
                }
                Filter("Lower", altitude: 100) {
                    let work = WorkItem("Finish") {
                        finished.set(true)
                        CompletePendedPostOperation(Op.current)
                    }
                    PreOperation(.write) { Return(.successWithCallback) }
                    PostOperation(.write) {
                        QueueDeferredIoWorkItem(work) {
                            Return(.moreProcessingRequired)
                        } onFailure: {
                            finished.set(true)
                            Return(.finishedProcessing)
                        }
                    }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func deferredQueueFailsForPagingTopLevelAndNonIrp() throws {
        // W1: the model sees the failure for each documented condition.
        for request in [Requests(.read, paging: true), Requests(.read, topLevelIrp: true), Requests(.read, kind: .fastIo)] {
            let program = try program {
                _ = Model("W1") {
                    Workload { request }
                    Filter("Poster", altitude: 100) {
                        let work = WorkItem("Work") { CompletePendedPreOperation(Op.current, .successNoCallback) }
                        PreOperation(.read) {
                            QueueDeferredIoWorkItem(work) {
                                Assert(false, "queueing succeeded")
                                Return(.pending)
                            } onFailure: {
                                Return(.successNoCallback)
                            }
                        }
                    }
                }
            }
            let result = explore(program)
            #expect(result.counterexamples.isEmpty)
            #expect(result.exhaustive)
        }
    }
}

@Suite struct ExplorerBehaviour {
    /// Two requests race on a non-atomic counter; the lost update is found.
    func racyCounter(atomic: Bool) throws -> Program {
        try program {
            let count = IntVariable("count", 0...2)
            let posts = IntVariable("posts", 0...2)
            _ = Model("Counter") {
                Workload { Requests(.create, count: 2) }
                Filter("Counter", altitude: 100) {
                    PreOperation(.create) {
                        count.set(count + 1, atomic: atomic)
                        Return(.successWithCallback)
                    }
                    PostOperation(.create) {
                        Atomic { posts.set(posts + 1) }
                        If(posts == 2) {
                            Assert(count == 2, "no increment is lost")
                        }
                        Return(.finishedProcessing)
                    }
                }
            }
        }
    }

    @Test func firstCounterexampleIsAShortestOne() throws {
        let result = explore(try racyCounter(atomic: false))
        let example = try #require(result.counterexamples.first)
        // Replaying every shorter prefix length by BFS must not reach a violation sooner.
        let shallower = explore(try racyCounter(atomic: false), Limits(maxDepth: example.steps - 1))
        #expect(shallower.counterexamples.isEmpty)
        #expect(!shallower.exhaustive)
    }

    @Test func boundsMakeTheResultInconclusive() throws {
        let program = try racyCounter(atomic: true)
        let full = explore(program)
        #expect(full.exhaustive && full.counterexamples.isEmpty)
        let cut = explore(program, Limits(maxStates: max(1, full.statesStored / 2)))
        #expect(!cut.exhaustive)
        let shallow = explore(program, Limits(maxDepth: max(0, full.depth - 1)))
        #expect(!shallow.exhaustive)
        let enough = explore(program, Limits(maxDepth: full.depth + 1, maxStates: full.statesStored))
        #expect(enough.exhaustive)
    }

    @Test func encodingIdentifiesStates() throws {
        // Equal states encode equally and different states differently, over a whole state space.
        let semantics = Semantics(try racyCounter(atomic: false))
        var states: Set<SystemState> = [semantics.initialState()]
        var codes: Set<[UInt8]> = [semantics.initialState().encoded()]
        var frontier = [semantics.initialState()]
        while let state = frontier.popLast() {
            for successor in semantics.successors(of: state) where successor.violation == nil {
                if states.insert(successor.state).inserted {
                    codes.insert(successor.state.encoded())
                    frontier.append(successor.state)
                }
            }
        }
        #expect(states.count > 20)
        #expect(codes.count == states.count)
    }
}

@Suite struct Validation {
    func validationError(_ declarations: () -> Void) -> String? {
        let envelope = captureModels(declarations)
        guard let ir = envelope.models.first else { return "no model" }
        do {
            _ = try Program(ir)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func missingReturnIsRejected() {
        let message = validationError {
            _ = Model("NoReturn") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) {
                    PreOperation(.read) {
                        If(Op.isPaging) { Return(.successNoCallback) }
                    }
                }
            }
        }
        #expect(message?.contains("without a Return") == true)
    }

    @Test func equalAltitudesAreRejected() {
        let message = validationError {
            _ = Model("SameAltitude") {
                Workload { Requests(.read) }
                Filter("A", altitude: 5) { PreOperation(.read) { Return(.successNoCallback) } }
                Filter("B", altitude: 5) { PreOperation(.read) { Return(.successNoCallback) } }
            }
        }
        #expect(message?.contains("same altitude") == true)
    }

    @Test func postStatusInAPreOperationIsRejected() {
        let message = validationError {
            _ = Model("WrongReturn") {
                Workload { Requests(.read) }
                Filter("A", altitude: 5) { PreOperation(.read) { Return(.finishedProcessing) } }
            }
        }
        #expect(message?.contains("post-operation status") == true)
    }

    @Test func aValidModelPasses() {
        let message = validationError {
            _ = Model("Fine") {
                Workload { Requests(.read) }
                Filter("A", altitude: 5) { PreOperation(.read) { Return(.successNoCallback) } }
            }
        }
        #expect(message == nil)
    }
}
