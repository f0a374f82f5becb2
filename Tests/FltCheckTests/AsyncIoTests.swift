import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// Filter-initiated I/O (FltPerformAsynchronousIo): C13 CancelIoOnlyOwnIo, C14
/// AsyncIoCallbackAlwaysRuns, and T4 (teardown complete waits for the filter's own I/O).
@Suite struct FilterInitiatedIo {
    @Test func theRepositoryModelsHaveTheirVerdicts() throws {
        #expect(violatedIds(explore(try RepositoryModels.program("Models/Bugs/AsyncReadFreedOnFailure.swift"))) == ["AsyncIoCallbackAlwaysRuns"])
        let cancel = explore(try RepositoryModels.program("Models/Bugs/CancelIoAfterFree.swift"))
        #expect(violatedIds(cancel) == ["CancelIoOnlyOwnIo"])
        #expect(cancel.counterexamples.first?.violation.message.contains("FltCancelIo(ScanRead) while it is freed") == true)
        // Its InstanceTeardownComplete asserts that the read and its callback are done (T4).
        #expect(violatedIds(explore(try RepositoryModels.program("Models/AsyncScanRead.swift"))).isEmpty)
    }

    /// One filter with one AsyncIo (whose completion callback runs `completion`) and a create whose
    /// pre-op runs `pre`; instance teardown at any step, whose start runs `teardownStart`.
    func check(
        @Code completion: @escaping (AsyncIo) -> [StatementIR] = { _ in [] },
        @Code pre: @escaping (AsyncIo) -> [StatementIR],
        @Code teardownStart: @escaping (AsyncIo) -> [StatementIR] = { _ in [] }
    ) throws -> ExplorationResult {
        explore(try program {
            _ = Model("Io") {
                Workload {
                    Requests(.create)
                    InstanceTeardown("Filter")
                }
                Filter("Filter", altitude: 100) {
                    let io = AsyncIo("Read") { io in for statement in completion(io) { Verbatim(ir: statement) } }
                    PreOperation(.create) {
                        for statement in pre(io) { Verbatim(ir: statement) }
                        Return(.successNoCallback)
                    }
                    InstanceTeardownStart {
                        for statement in teardownStart(io) { Verbatim(ir: statement) }
                    }
                }
            }
        })
    }

    @Test func freeingInTheCompletionCallbackHolds() throws {
        let result = try check(completion: { io in io.free() }, pre: { io in
            io.perform { Step() } onFailure: { Step() }
        })
        #expect(violatedIds(result).isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func freeingTwiceIsReported() throws {
        let result = try check(completion: { io in io.free() }, pre: { io in
            io.perform { Step() } onFailure: { Step() }
        }, teardownStart: { io in io.free() })
        #expect(violatedIds(result) == ["AsyncIoCallbackAlwaysRuns"])
        #expect(result.counterexamples.first?.violation.message.contains("it was freed already") == true
            || result.counterexamples.first?.violation.message.contains("its I/O is in flight") == true)
    }

    @Test func reusingCallbackDataBeforeItsCallbackReturnedIsReported() throws {
        let result = try check(pre: { io in
            io.perform { Step() } onFailure: { Step() }
            io.perform { Step() } onFailure: { Step() }
        })
        #expect(violatedIds(result) == ["AsyncIoCallbackAlwaysRuns"])
        #expect(result.counterexamples.first?.violation.message.contains("reused before its completion callback has returned") == true)
    }

    @Test func cancellingIoThatAlreadyCompletedReturnsFalseAndIsNotReported() throws {
        // Teardown start cancels whatever was issued; the read may have completed by then.
        let result = try check(pre: { io in
            io.perform { Step() } onFailure: { Step() }
        }, teardownStart: { io in
            If(!io.is(.idle)) { io.cancel() }
        })
        #expect(violatedIds(result).isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(try program {
            _ = Model("Io") {
                Workload {
                    Requests(.create)
                    InstanceTeardown("Filter")
                }
                Filter("Filter", altitude: 100) {
                    let io = AsyncIo("Read") { Step() }
                    PreOperation(.create) {
                        io.perform { Step() } onFailure: { Step() }
                        Return(.successNoCallback)
                    }
                    InstanceTeardownStart {
                        If(!io.is(.idle)) { io.cancel() }
                    }
                }
            }
        })
        #expect(texts.contains { $0.contains("FltCancelIo(Read) returns TRUE") })
        #expect(texts.contains { $0.contains("FltCancelIo(Read) returns FALSE: the I/O has already completed") })
    }

    @Test func cancellingIoNeverIssuedIsReported() throws {
        let result = try check(pre: { _ in Step() }, teardownStart: { io in io.cancel() })
        #expect(violatedIds(result) == ["CancelIoOnlyOwnIo"])
        #expect(result.counterexamples.first?.violation.message.contains("while it is never issued") == true)
    }

    @Test func teardownCompleteWaitsForTheFiltersOwnIo() throws {
        // The completion callback waits for a flag nobody sets: the read never finishes, so
        // teardown can never complete (T4), and the report names the read.
        let result = explore(try program {
            _ = Model("Io") {
                Workload {
                    Requests(.create)
                    InstanceTeardown("Filter")
                }
                Filter("Filter", altitude: 100) {
                    let never = BoolVariable("never")
                    let io = AsyncIo("Read") { WaitUntil(never) }
                    PreOperation(.create) {
                        io.perform { Step() } onFailure: { Step() }
                        Return(.successNoCallback)
                    }
                }
            }
        })
        #expect(violatedIds(result).contains("TeardownCompletes"))
        #expect(result.counterexamples.contains { $0.violation.message.contains("the filter's own I/O Read has not completed (T4)") })
    }

    @Test func anAsyncIoBelongsToAFilter() {
        let outside = captureModels {
            _ = AsyncIo("Stray") { Step() }
            _ = Model("Outside") {
                Workload { Requests(.read) }
                Filter("Filter", altitude: 100) { PreOperation(.read) { Return(.successNoCallback) } }
            }
        }
        #expect(outside.errors.map(\.message).contains("AsyncIo \"Stray\" must be declared inside a Filter"), "\(outside.errors)")

        let borrowed = compileError {
            var io: AsyncIo?
            _ = Model("Borrowed") {
                Workload { Requests(.read) }
                Filter("Owner", altitude: 200) {
                    let owned = AsyncIo("Read") { Step() }
                    let _ = { io = owned }()
                    PreOperation(.read) { Return(.successNoCallback) }
                }
                Filter("Borrower", altitude: 100) {
                    PreOperation(.read) {
                        if let io { io.cancel() }
                        Return(.successNoCallback)
                    }
                }
            }
        }
        #expect(borrowed?.message.contains("Borrower uses Read of Owner; a filter issues, cancels and frees its own I/O") == true, "\(String(describing: borrowed))")
    }
}

/// C15 (advisory): a callback of a cancellable request that blocks should let a cancel end the wait.
@Suite struct CancellableWaits {
    @Test func aPlainWaitInACancellableRequestsCallbackIsAnAdvisory() throws {
        let result = explore(try RepositoryModels.program("Models/NonCancellableScanWait.swift"))
        #expect(result.counterexamples.map(\.violation.property.id) == ["CancellableWaits"])
        #expect(result.counterexamples.first?.violation.property.severity == .advisory)
        #expect(result.counterexamples.first?.violation.message.contains("without a way for a cancel to end the wait") == true)
    }

    @Test func aWaitThatReadsIsCancelledOrARequestThatCannotBeCancelledIsNot() throws {
        // Samples/AvScan waits `until scanEvent || Op.isCancelled`.
        let avscan = explore(try RepositoryModels.program("Models/Samples/AvScan.swift"))
        #expect(!avscan.counterexamples.contains { $0.violation.property.id == "CancellableWaits" })
        for cancellable in [false, true] {
            let result = explore(try program {
                _ = Model("Wait") {
                    Workload { Requests(.create, cancellable: cancellable) }
                    Filter("F", altitude: 1) {
                        let answered = BoolVariable("answered", initial: true)
                        PreOperation(.create) {
                            WaitUntil(cancellable ? answered || Op.isCancelled : answered.expr)
                            Return(.successNoCallback)
                        }
                    }
                }
            })
            #expect(result.counterexamples.isEmpty, "cancellable: \(cancellable): \(result.counterexamples.map(\.violation.message))")
        }
    }
}
