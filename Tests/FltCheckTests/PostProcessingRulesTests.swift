import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Foundation
import Testing

// Issue 3's rules, in-process: failing in a post-op (Q9), FltCancelFileOpen (Q10),
// FltReissueSynchronousIo (Q11), retargeting (P16) and operations that cannot be synchronized (P12).

/// The error-severity properties a model breaks (advisories left out).
private func errorIds(_ result: ExplorationResult) -> Set<String> {
    Set(result.counterexamples.map(\.violation.property).filter { $0.severity == .error }.map(\.id))
}

/// The message of the first counterexample of `property`.
private func message(_ result: ExplorationResult, _ property: String) -> String {
    result.counterexamples.first { $0.violation.property.id == property }?.violation.message ?? ""
}

@Suite struct PostFailValidError {
    /// A post-read that fails a read the file system completed, writing the status `write` does.
    private func failingRead(fileSystem: FileSystem = .inline(.success), _ write: @escaping () -> SetStatus) throws -> Program {
        try program {
            _ = Model("FailRead") {
                Workload { Requests(.read, fileSystem: fileSystem) }
                Filter("F", altitude: 100) {
                    PreOperation(.read) { Return(.successWithCallback) }
                    PostOperation(.read) {
                        write()
                        Return(.finishedProcessing)
                    }
                }
            }
        }
    }

    @Test func failingWithoutClearingInformationIsAViolationAndClearingItHolds() throws {
        // I:failpost: a valid error status and IoStatus.Information = 0.
        let kept = explore(try failingRead { SetStatus(NTStatus.accessDenied) })
        #expect(errorIds(kept) == ["PostFailValidError"])
        #expect(message(kept, "PostFailValidError").contains("IoStatus.Information"), "\(message(kept, "PostFailValidError"))")
        let cleared = explore(try failingRead { SetStatus(NTStatus.accessDenied, information: 0) })
        #expect(cleared.counterexamples.isEmpty, "\(cleared.counterexamples.map(\.violation.message))")
        #expect(cleared.exhaustive)
    }

    @Test func anOperationTheFileSystemFailedHasNoInformationToClear() throws {
        // A failed completion leaves Information 0: changing the error code alone is fine.
        let result = explore(try failingRead(fileSystem: .inline(.objectNameNotFound)) { SetStatus(NTStatus.accessDenied) })
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test(arguments: [NTStatus.fltDisallowFastIo, .pending])
    func statusesOnlyFltMgrOrNobodyMayLeaveAreViolations(_ status: NTStatus) throws {
        // Only FltMgr uses STATUS_FLT_DISALLOW_FAST_IO; STATUS_PENDING is no final status.
        let result = explore(try failingRead { SetStatus(status, information: 0) })
        #expect(errorIds(result) == ["PostFailValidError"])
        #expect(message(result, "PostFailValidError").contains(status.description))
    }

    @Test func aWarningStatusIsNotAFailure() throws {
        // STATUS_BUFFER_OVERFLOW (a warning) comes with the bytes copied: no Information to clear.
        let result = explore(try failingRead { SetStatus(NTStatus(0x8000_0005)) })
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func aWorkItemThatFailsAPendedPostOpMustClearInformationToo() throws {
        // The deferred work item completes the post-processing: the same obligation (Q9).
        let program = try program {
            _ = Model("FailLater") {
                Workload { Requests(.read) }
                Filter("F", altitude: 100) {
                    let later = WorkItem("Decrypt") {
                        SetStatus(NTStatus.accessDenied)
                        CompletePendedPostOperation()
                    }
                    PreOperation(.read) { Return(.successWithCallback) }
                    PostOperation(.read) {
                        QueueDeferredIoWorkItem(later) {
                            Return(.moreProcessingRequired)
                        } onFailure: {
                            Return(.finishedProcessing)
                        }
                    }
                }
            }
        }
        #expect(errorIds(explore(program)) == ["PostFailValidError"])
    }

    @Test func setStatusWithInformationInTeardownIsAModelError() throws {
        let line = #line + 6
        let error = compileError {
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) {
                    PreOperation(.read) { Return(.successNoCallback) }
                    InstanceTeardownStart { SetStatus(NTStatus.cancelled, information: 0) }
                }
            }
        }
        #expect(error?.message.contains("runs for no operation") == true, "\(String(describing: error))")
        #expect(error?.location?.line == line)
    }
}

@Suite struct CancelFileOpenRules {
    /// A filter whose post-create runs `body` (then returns) for creates completed with `statuses`.
    private func postCreate(
        _ statuses: [NTStatus] = [.success], teardown: Bool = false, @Code _ body: @escaping () -> [StatementIR]
    ) throws -> Program {
        try program {
            _ = Model("Cancel") {
                Workload {
                    // With a teardown the file system completes later, so the post-create can be drained.
                    Requests(.create, fileSystem: teardown ? .asynchronous(.success) : FileSystem.inlineStatuses(statuses))
                    if teardown { InstanceTeardown("F") }
                }
                Filter("F", altitude: 100) {
                    PreOperation(.create) { Return(.successWithCallback) }
                    PostOperation(.create) {
                        for statement in body() { Spliced(ir: statement) }
                        Return(.finishedProcessing)
                    }
                }
            }
        }
    }

    @Test func cancellingASuccessfulOpenAndFailingItHolds() throws {
        let result = explore(try postCreate {
            CancelFileOpen()
            SetStatus(NTStatus.accessDenied, information: 0)
        })
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(result.exhaustive)
    }

    @Test func cancellingAndLeavingTheCreateSuccessfulBreaksQ9() throws {
        // D:cfo closes the file: to the filters above the create must look failed (I:failpost).
        let result = explore(try postCreate { CancelFileOpen() })
        #expect(errorIds(result) == ["PostFailValidError"])
        #expect(message(result, "PostFailValidError").contains("FltCancelFileOpen"))
    }

    @Test(arguments: [NTStatus.reparse, .objectNameNotFound])
    func aCreateThatOpenedNoFileCannotBeCancelled(_ status: NTStatus) throws {
        let result = explore(try postCreate([status]) {
            CancelFileOpen()
            SetStatus(NTStatus.accessDenied, information: 0)
        })
        #expect(errorIds(result) == ["CancelFileOpenOnlyPostCreate"])
        #expect(message(result, "CancelFileOpenOnlyPostCreate").contains(status.description))
    }

    @Test func cancellingTwiceIsAViolation() throws {
        let result = explore(try postCreate {
            CancelFileOpen()
            CancelFileOpen()
            SetStatus(NTStatus.accessDenied, information: 0)
        })
        #expect(errorIds(result) == ["CancelFileOpenOnlyPostCreate"])
        #expect(message(result, "CancelFileOpenOnlyPostCreate").contains("already cancelled"))
    }

    @Test func aDrainedPostCreateMayNotCancel() throws {
        // Q3 (D:post, I:drain): a drained post-op only cleans up.
        let result = explore(try postCreate(teardown: true) {
            CancelFileOpen()
            SetStatus(NTStatus.accessDenied, information: 0)
        })
        #expect(errorIds(result) == ["DrainingCleanupOnly"])
    }

    @Test func onlyAtPassiveLevel() throws {
        // D:cfo: PASSIVE_LEVEL; a fast mutex raises to APC_LEVEL.
        let program = try program {
            _ = Model("CancelUnderMutex") {
                Workload { Requests(.create) }
                Filter("F", altitude: 100) {
                    let mutex = Lock("Mutex", .fastMutex)
                    PreOperation(.create) { Return(.successWithCallback) }
                    PostOperation(.create) {
                        mutex.acquire()
                        CancelFileOpen()
                        mutex.release()
                        SetStatus(NTStatus.accessDenied, information: 0)
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(errorIds(result) == ["CancelFileOpenOnlyPostCreate"])
        #expect(message(result, "CancelFileOpenOnlyPostCreate").contains("APC_LEVEL"))
    }

    @Test func onlyInPostCreate() throws {
        // D:cfo: from a pre-op or another operation's post-op it is a programming error.
        let program = try program {
            _ = Model("CancelElsewhere") {
                Workload {
                    Requests(.read)
                    Requests(.create)
                }
                Filter("F", altitude: 100) {
                    PreOperation(.read) { Return(.successWithCallback) }
                    PostOperation(.read) {
                        CancelFileOpen()
                        Return(.finishedProcessing)
                    }
                    PreOperation(.create) {
                        CancelFileOpen()
                        Return(.successNoCallback)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(errorIds(result) == ["CancelFileOpenOnlyPostCreate"])
        #expect(message(result, "CancelFileOpenOnlyPostCreate").contains("only from a post-create callback"))
    }

    @Test func aSymbolicStatusIsCancelledOnlyWhereItOpenedAFile() throws {
        // The file system's status is any NTSTATUS: cancelling without looking breaks Q10 (Z3 finds a
        // failure status), checking for STATUS_SUCCESS first holds for every status.
        func model(checking: Bool) throws -> Program {
            try program {
                _ = Model("SymbolicCreate") {
                    Workload { Requests(.create, fileSystemStatus: .symbolic) }
                    Filter("F", altitude: 100) {
                        PreOperation(.create) { Return(.successWithCallback) }
                        PostOperation(.create) {
                            if checking {
                                If(Op.status != NTStatus.success) { Return(.finishedProcessing) }
                            }
                            CancelFileOpen()
                            SetStatus(NTStatus.accessDenied, information: 0)
                            Return(.finishedProcessing)
                        }
                    }
                }
            }
        }
        #expect(errorIds(explore(try model(checking: false))) == ["CancelFileOpenOnlyPostCreate"])
        let checked = explore(try model(checking: true))
        #expect(checked.counterexamples.isEmpty, "\(checked.counterexamples.map(\.violation.message))")
    }

    @Test func inATeardownCallbackItIsAModelError() throws {
        let line = #line + 6
        let error = compileError {
            _ = Model("M") {
                Workload { Requests(.create) }
                Filter("F", altitude: 1) {
                    PreOperation(.create) { Return(.successNoCallback) }
                    InstanceTeardownStart { CancelFileOpen() }
                }
            }
        }
        #expect(error?.message.contains("FltCancelFileOpen needs the callback data") == true, "\(String(describing: error))")
        #expect(error?.location?.line == line)
    }
}

@Suite struct ReissueRules {
    @Test func theReissueGoesOnlyBelowAndReturnsWithTheNewResult() throws {
        // D:reissue: the instances below and the file system see it again, those above do not, and
        // the call returns once it has completed (with either file-system timing).
        let program = try program {
            _ = Model("Reissue") {
                Workload { Requests(.write, fileSystem: .either(.unsuccessful, .success)) }
                Filter("Above", altitude: 300) {
                    let pre = IntVariable("pre", 0...3)
                    PreOperation(.write) {
                        pre.set(pre + 1)
                        Return(.successWithCallback)
                    }
                    PostOperation(.write) {
                        Assert(pre == 1, "above: one pre-op")
                        Return(.finishedProcessing)
                    }
                }
                Filter("Retry", altitude: 200) {
                    let retried = BoolVariable("retried")
                    PreOperation(.write) { Return(.synchronize) }
                    PostOperation(.write) {
                        If(Op.status == NTStatus.unsuccessful && !retried) {
                            retried.set(true)
                            ReissueSynchronousIo()
                            Assert(Op.status != NTStatus.pending, "the reissued write has completed")
                        }
                        Return(.finishedProcessing)
                    }
                }
                Filter("Below", altitude: 100) {
                    let pre = IntVariable("pre", 0...3)
                    let post = IntVariable("post", 0...3)
                    PreOperation(.write) {
                        pre.set(pre + 1)
                        Return(.successWithCallback)
                    }
                    PostOperation(.write) {
                        post.set(post + 1)
                        Assert(post == pre, "below: a post-op for each pre-op")
                        Assert(pre < 2, "reached: the reissue went below")
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        // Only the reachability probe fails: the reissue happens, and nothing else breaks.
        #expect(errorIds(result) == ["Assertion"])
        #expect(message(result, "Assertion").contains("reached: the reissue went below"), "\(message(result, "Assertion"))")
    }

    @Test func aLowerFilterMayPendTheReissuedOperation() throws {
        // The reissuing thread waits while the operation is pended below it; the worker's resume
        // carries the completion up to it.
        let program = try program {
            _ = Model("ReissuePended") {
                Workload { Requests(.write, fileSystem: .inline(.unsuccessful, .success)) }
                Filter("Retry", altitude: 200) {
                    let retried = BoolVariable("retried")
                    PreOperation(.write) { Return(.synchronize) }
                    PostOperation(.write) {
                        If(Op.status == NTStatus.unsuccessful && !retried) {
                            retried.set(true)
                            ReissueSynchronousIo()
                        }
                        Return(.finishedProcessing)
                    }
                }
                Filter("Pender", altitude: 100) {
                    let resume = WorkItem("Resume") { CompletePendedPreOperation(Op.current, .successNoCallback) }
                    PreOperation(.write) {
                        QueueDeferredIoWorkItem(resume) {
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
        #expect(result.exhaustive)
    }

    /// A synchronized write whose post-op runs `body` before returning.
    private func synchronizedWrite(teardown: Bool = false, @Code _ body: @escaping () -> [StatementIR]) throws -> Program {
        try program {
            _ = Model("Sync") {
                Workload {
                    // With a teardown the file system completes later, so the post-op can be drained.
                    Requests(.write, fileSystem: teardown ? .asynchronous(.success) : .inline(.success))
                    if teardown { InstanceTeardown("F") }
                }
                Filter("F", altitude: 100) {
                    PreOperation(.write) { Return(.synchronize) }
                    PostOperation(.write) {
                        for statement in body() { Spliced(ir: statement) }
                        Return(.finishedProcessing)
                    }
                }
            }
        }
    }

    @Test func changedParametersNeedSetCallbackDataDirtyFirst() throws {
        let without = explore(try synchronizedWrite {
            ModifyParameters()
            ReissueSynchronousIo()
        })
        #expect(errorIds(without) == ["ReissueOnlySynchronized"])
        #expect(message(without, "ReissueOnlySynchronized").contains("FltSetCallbackDataDirty"))
        let with = explore(try synchronizedWrite {
            ModifyParameters()
            SetCallbackDataDirty()
            ReissueSynchronousIo()
        })
        #expect(with.counterexamples.isEmpty, "\(with.counterexamples.map(\.violation.message))")
    }

    @Test func aDrainedPostOpMayNotReissue() throws {
        // Q3: the drained post-op of the synchronized write (drain: .allAwaitingPostOp).
        let result = explore(try synchronizedWrite(teardown: true) { ReissueSynchronousIo() })
        #expect(errorIds(result) == ["DrainingCleanupOnly"])
    }

    @Test func notFromAPreOperation() throws {
        let program = try program {
            _ = Model("ReissueInPre") {
                Workload { Requests(.write) }
                Filter("F", altitude: 100) {
                    PreOperation(.write) {
                        ReissueSynchronousIo()
                        Return(.successNoCallback)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(errorIds(result) == ["ReissueOnlySynchronized"])
        #expect(message(result, "ReissueOnlySynchronized").contains("only from the post-operation callback"))
    }

    @Test func notForFastIo() throws {
        let program = try program {
            _ = Model("ReissueFastIo") {
                Workload { Requests(.read, kind: .fastIo) }
                Filter("F", altitude: 100) {
                    PreOperation(.read) { Return(.synchronize) }
                    PostOperation(.read) {
                        ReissueSynchronousIo()
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(errorIds(result) == ["ReissueOnlySynchronized"])
        #expect(message(result, "ReissueOnlySynchronized").contains("only IRP-based operations can be reissued"))
    }

    @Test func aCancelledCreateCannotBeReissued() throws {
        // D:reissue, D:cfo: FltMgr fails it with STATUS_CANCELLED (Q10 ties to Q11).
        let program = try program {
            _ = Model("ReissueCancelledCreate") {
                Workload { Requests(.create) }
                Filter("F", altitude: 100) {
                    PreOperation(.create) { Return(.synchronize) }
                    PostOperation(.create) {
                        CancelFileOpen()
                        ReissueSynchronousIo()
                        SetStatus(NTStatus.accessDenied, information: 0)
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(errorIds(result) == ["ReissueOnlySynchronized"])
        #expect(message(result, "ReissueOnlySynchronized").contains("STATUS_CANCELLED"))
    }

    @Test func inATeardownCallbackItIsAModelError() throws {
        let line = #line + 6
        let error = compileError {
            _ = Model("M") {
                Workload { Requests(.write) }
                Filter("F", altitude: 1) {
                    PreOperation(.write) { Return(.successNoCallback) }
                    InstanceTeardownComplete { ReissueSynchronousIo() }
                }
            }
        }
        #expect(error?.message.contains("FltReissueSynchronousIo needs the callback data") == true, "\(String(describing: error))")
        #expect(error?.location?.line == line)
    }
}

@Suite struct RetargetRules {
    @Test func completingFromTheResumerAfterRetargetingIsAViolation() throws {
        // P16 also when the pre-op pended and the code that resumes it completes it.
        let program = try program {
            _ = Model("RetargetPended") {
                Workload { Requests(.create) }
                Filter("F", altitude: 100) {
                    let resume = WorkItem("Resume") { CompletePendedPreOperation(Op.current, .complete(.accessDenied)) }
                    PreOperation(.create) {
                        Retarget()
                        SetCallbackDataDirty()
                        QueueDeferredIoWorkItem(resume) {
                            Return(.pending)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        let result = explore(program)
        #expect(errorIds(result) == ["NoRetargetThenComplete"])
        #expect(message(result, "NoRetargetThenComplete").contains("FltCompletePendedPreOperation"))
    }

    @Test func aRetargetIsAParameterChangeThatNeedsSetCallbackDataDirty() throws {
        // I:modify: TargetInstance/TargetFileObject are Iopb members (P15).
        let program = try program {
            _ = Model("RetargetNotDirty") {
                Workload { Requests(.create) }
                Filter("F", altitude: 100) {
                    PreOperation(.create) {
                        Retarget()
                        Return(.successNoCallback)
                    }
                }
            }
        }
        #expect(errorIds(explore(program)) == ["SetDirtyAfterModify"])
    }

    @Test func inAPostOperationItIsAModelError() throws {
        let line = #line + 7
        let error = compileError {
            _ = Model("M") {
                Workload { Requests(.create) }
                Filter("F", altitude: 1) {
                    PreOperation(.create) { Return(.successWithCallback) }
                    PostOperation(.create) {
                        Retarget()
                        Return(.finishedProcessing)
                    }
                }
            }
        }
        #expect(error?.message.contains("use it in a pre-operation callback") == true, "\(String(describing: error))")
        #expect(error?.location?.line == line)
    }
}

@Suite struct ForbiddenSynchronize {
    @Test(arguments: [MinorFunction.lock, .notifyChangeDirectory, .requestOplockLevel1, .requestOplockLevel2, .requestBatchOplock, .requestFilterOplock])
    func synchronizingAnOperationThatMayPendForeverIsAViolation(_ minor: MinorFunction) throws {
        let program = try program {
            _ = Model("Sync") {
                Workload { Requests(minor.major, minor: minor) }
                Filter("F", altitude: 100) {
                    PreOperation(minor.major) { Return(.synchronize) }
                    PostOperation(minor.major) { Return(.finishedProcessing) }
                }
            }
        }
        let result = explore(program)
        #expect(errorIds(result) == ["NoSyncForbiddenOps"])
        #expect(message(result, "NoSyncForbiddenOps").contains(minor.rawValue))
    }

    @Test(arguments: [MinorFunction.queryDirectory, .unlockSingle, .lockVolume])
    func theirNeighboursMayBeSynchronized(_ minor: MinorFunction) throws {
        let program = try program {
            _ = Model("Sync") {
                Workload { Requests(minor.major, minor: minor) }
                Filter("F", altitude: 100) {
                    PreOperation(minor.major) { Return(.synchronize) }
                    PostOperation(minor.major) { Return(.finishedProcessing) }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func codeReadsTheMinorFunction() throws {
        // Op.minorFunction is the request's IRP_MN_* (here IRP_MN_LOCK), 0 when it gives none.
        let program = try program {
            _ = Model("Minor") {
                Workload {
                    Requests(.lockControl, minor: .lock)
                    Requests(.read)
                }
                Filter("F", altitude: 100) {
                    PreOperation(.lockControl) {
                        Assert(Op.minorFunction == MinorFunction.lock, "IRP_MN_LOCK")
                        Return(.successNoCallback)
                    }
                    PreOperation(.read) {
                        Assert(Op.minorFunction == 0, "no minor function given")
                        Return(.successNoCallback)
                    }
                }
            }
        }
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func aMinorFunctionOfAnotherMajorIsAModelError() throws {
        let line = #line + 3
        let error = compileError {
            _ = Model("M") {
                Workload { Requests(.read, minor: .lock) }
                Filter("F", altitude: 1) { PreOperation(.read) { Return(.successNoCallback) } }
            }
        }
        #expect(error?.message.contains("IRP_MN_LOCK belongs to IRP_MJ_LOCK_CONTROL") == true, "\(String(describing: error))")
        #expect(error?.location?.line == line)
    }

    @Test func irWithoutAMinorFunctionStillDecodes() throws {
        // IR saved before `minor` existed has no such key: it decodes as none.
        let envelope = captureModels {
            _ = Model("M") {
                Workload { Requests(.directoryControl, minor: .notifyChangeDirectory) }
                Filter("F", altitude: 1) { PreOperation(.directoryControl) { Return(.successNoCallback) } }
            }
        }
        let ir = try #require(envelope.models.first)
        let data = try JSONEncoder().encode(ir)
        #expect(try JSONDecoder().decode(ModelIR.self, from: data).workload.requests.first?.minor == .notifyChangeDirectory)
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var workload = try #require(json["workload"] as? [String: Any])
        var requests = try #require(workload["requests"] as? [[String: Any]])
        requests[0].removeValue(forKey: "minor")
        workload["requests"] = requests
        json["workload"] = workload
        let old = try JSONSerialization.data(withJSONObject: json)
        let decoded = try JSONDecoder().decode(ModelIR.self, from: old)
        #expect(decoded.workload.requests.count == 1)
        #expect(decoded.workload.requests.first?.minor == nil)
    }
}

/// Statements built elsewhere, spliced into a callback body.
private struct Spliced: Statement {
    let ir: StatementIR
}

extension FileSystem {
    /// `.inline` with a list of statuses.
    fileprivate static func inlineStatuses(_ statuses: [NTStatus]) -> FileSystem {
        switch statuses.count {
        case 1: .inline(statuses[0])
        case 2: .inline(statuses[0], statuses[1])
        default: .inline(statuses[0], statuses[1], statuses[2])
        }
    }
}
