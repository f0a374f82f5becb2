import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Foundation
import Testing

// Q6 UserBufferViaWhenSafe (I:bufpost; "Accessing User Buffers"): the kinds of buffer a request may
// carry, AccessBuffer(), LockUserBuffer and the Op.hasMdl / Op.isSystemBuffer tests.

/// The error-severity properties a model breaks (advisories left out).
private func errorIds(_ result: ExplorationResult) -> Set<String> {
    Set(result.counterexamples.map(\.violation.property).filter { $0.severity == .error }.map(\.id))
}

/// The message of the first counterexample of `property`.
private func message(_ result: ExplorationResult, _ property: String) -> String {
    result.counterexamples.first { $0.violation.property.id == property }?.violation.message ?? ""
}

/// One filter on `requests` reads whose pre-op returns `pre` and whose post-op runs `post`, then
/// returns FINISHED_PROCESSING.
private func reads(
    _ requests: Requests, pre: PreOutcome = .successWithCallback,
    @Code post: @escaping () -> [StatementIR]
) throws -> ExplorationResult {
    explore(try program {
        _ = Model("Buffers") {
            Workload { requests }
            Filter("F", altitude: 100) {
                PreOperation(.read) { Return(pre) }
                PostOperation(.read) {
                    for statement in post() { Verbatim(ir: statement) }
                    Return(.finishedProcessing)
                }
            }
        }
    })
}

@Suite struct UserBufferViaWhenSafe {
    @Test func theRepositoryModelsHaveTheirVerdicts() throws {
        let path = "Models/Bugs/PostReadTouchesUserBuffer.swift"
        let bug = explore(try RepositoryModels.program(path))
        #expect(errorIds(bug) == ["UserBufferViaWhenSafe"])
        let example = try #require(bug.counterexamples.first { $0.violation.property.id == "UserBufferViaWhenSafe" })
        #expect(example.violation.message.contains("at DISPATCH_LEVEL"), "\(example.violation.message)")
        // The shortest trace ends at the model's AccessBuffer() line.
        let source = try String(contentsOfFile: reportRoot + "/" + path, encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        let accessLine = try #require(lines.firstIndex { $0.contains("AccessBuffer()") && !$0.hasPrefix("//") }) + 1
        #expect(example.violation.location?.line == accessLine)
        #expect(example.trace.contains { $0.event.location?.line == accessLine && $0.event.location?.file.hasSuffix("PostReadTouchesUserBuffer.swift") == true })
        #expect(example.trace.contains { $0.event.text.contains("with a user buffer without an MDL") })

        let fixed = explore(try RepositoryModels.program("Models/SwapBuffersUserBuffer.swift"))
        #expect(fixed.counterexamples.isEmpty, "\(fixed.counterexamples.map(\.violation.message))")
        #expect(fixed.exhaustive)
    }

    @Test func aUserBufferWithoutAnMdlIsTouchedAtDispatchLevel() throws {
        let result = try reads(Requests(.read, buffers: [.userWithoutMdl])) { AccessBuffer() }
        #expect(errorIds(result) == ["UserBufferViaWhenSafe"])
        #expect(message(result, "UserBufferViaWhenSafe").contains("at DISPATCH_LEVEL"))
    }

    @Test(arguments: [BufferKind.system, .userWithMdl])
    func aSystemBufferOrOneWithAnMdlMayBeTouchedAtDispatchLevel(_ kind: BufferKind) throws {
        // I:bufpost: through the MDL (MmGetSystemAddressForMdlSafe) or a system buffer, at DISPATCH_LEVEL.
        let result = try reads(Requests(.read, buffers: [kind])) { AccessBuffer() }
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(result.exhaustive)
    }

    @Test func aSynchronizedPostOpOrAFastIoPostOpRunsInTheOriginatorsThread() throws {
        // Q12: both run at PASSIVE_LEVEL in the thread that issued the request, where its user-space
        // address is valid (I:bufpost's fast I/O case).
        let synchronized = try reads(Requests(.read, buffers: [.userWithoutMdl]), pre: .synchronize) { AccessBuffer() }
        #expect(synchronized.counterexamples.isEmpty, "\(synchronized.counterexamples.map(\.violation.message))")
        let fastIo = try reads(Requests(.read, kind: .fastIo)) { AccessBuffer() }
        #expect(fastIo.counterexamples.isEmpty, "\(fastIo.counterexamples.map(\.violation.message))")
    }

    @Test func theFileSystemsCompletionThreadIsNotTheOriginators() throws {
        // Completed asynchronously, a post-op called at PASSIVE_LEVEL still runs in another thread.
        let result = try reads(Requests(.read, fileSystem: .asynchronous(.success), buffers: [.userWithoutMdl])) {
            If(Irql.current == Irql.passive) { AccessBuffer() }
        }
        #expect(errorIds(result) == ["UserBufferViaWhenSafe"])
        #expect(message(result, "UserBufferViaWhenSafe").contains("not in the thread that issued it"), "\(message(result, "UserBufferViaWhenSafe"))")
    }

    @Test func touchingUnderASpinLockInThePreOpIsAtDispatchLevel() throws {
        let result = explore(try program {
            _ = Model("SpinLocked") {
                Workload { Requests(.read, buffers: [.userWithoutMdl]) }
                Filter("F", altitude: 100) {
                    let lock = Lock("Lock", .spinLock)
                    PreOperation(.read) {
                        lock.acquire()
                        AccessBuffer()
                        lock.release()
                        Return(.successNoCallback)
                    }
                }
            }
        })
        #expect(errorIds(result) == ["UserBufferViaWhenSafe"])
        #expect(message(result, "UserBufferViaWhenSafe").contains("holding spin lock Lock"))
    }

    /// A read pended in its pre-op and handed to a deferred work item that touches the buffer;
    /// `lockFirst`: the pre-op locks the buffer before it hands the read off.
    private func posted(lockFirst: Bool) throws -> ExplorationResult {
        explore(try program {
            _ = Model("Posted") {
                Workload { Requests(.read, buffers: [.userWithoutMdl]) }
                Filter("F", altitude: 100) {
                    let worker = WorkItem("Copy") {
                        AccessBuffer()
                        CompletePendedPreOperation(Op.current, .successNoCallback)
                    }
                    PreOperation(.read) {
                        if lockFirst {
                            LockUserBuffer {
                                Step()
                            } onFailure: {
                                Return(.complete(.insufficientResources))
                            }
                        }
                        QueueDeferredIoWorkItem(worker) {
                            Return(.pending)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        })
    }

    @Test func aWorkerThreadLocksTheBufferFirst() throws {
        // "Accessing User Buffers": an operation posted to a worker thread has its buffer locked.
        let unlocked = try posted(lockFirst: false)
        #expect(errorIds(unlocked) == ["UserBufferViaWhenSafe"])
        #expect(message(unlocked, "UserBufferViaWhenSafe").contains("worker Copy(READ #1)"), "\(message(unlocked, "UserBufferViaWhenSafe"))")
        let locked = try posted(lockFirst: true)
        #expect(locked.counterexamples.isEmpty, "\(locked.counterexamples.map(\.violation.message))")
    }

    /// A post-read that hands a user buffer without an MDL to a SafePostCallback running `safe`.
    private func whenSafe(@Code _ safe: @escaping () -> [StatementIR]) throws -> ExplorationResult {
        explore(try program {
            _ = Model("WhenSafe") {
                Workload { Requests(.read, buffers: [.userWithoutMdl]) }
                Filter("F", altitude: 100) {
                    let copy = SafePostCallback("Copy") {
                        for statement in safe() { Verbatim(ir: statement) }
                        Return(.finishedProcessing)
                    }
                    PreOperation(.read) { Return(.successWithCallback) }
                    PostOperation(.read) {
                        DoCompletionProcessingWhenSafe(copy) {
                            SetStatus(NTStatus.unsuccessful, information: 0)
                            Return(.finishedProcessing)
                        }
                    }
                }
            }
        })
    }

    @Test func whenSafeAloneIsNotEnoughTheSafeCallbackLocksTheBuffer() throws {
        // Posted at DISPATCH_LEVEL, the safe callback runs on a worker: below DISPATCH_LEVEL, but
        // not in the originator's thread (I:bufpost: FltLockUserBuffer, then the MDL).
        let unlocked = try whenSafe { AccessBuffer() }
        #expect(errorIds(unlocked) == ["UserBufferViaWhenSafe"])
        #expect(message(unlocked, "UserBufferViaWhenSafe").contains("worker Copy(READ #1)"), "\(message(unlocked, "UserBufferViaWhenSafe"))")
        let locked = try whenSafe {
            LockUserBuffer {
                AccessBuffer()
            } onFailure: {
                SetStatus(NTStatus.insufficientResources, information: 0)
            }
        }
        #expect(locked.counterexamples.isEmpty, "\(locked.counterexamples.map(\.violation.message))")
        #expect(locked.exhaustive)
    }

    @Test func lockUserBufferMayFailAndThenTheBufferStillHasNoMdl() throws {
        // Its failure (STATUS_INSUFFICIENT_RESOURCES) is explored; touching the buffer anyway is Q6.
        let result = try whenSafe {
            LockUserBuffer {
                Step()
            } onFailure: {
                Assert(!Op.hasMdl, "a failed FltLockUserBuffer gives no MDL")
            }
            AccessBuffer()
        }
        #expect(errorIds(result) == ["UserBufferViaWhenSafe"])
        let example = try #require(result.counterexamples.first)
        #expect(example.trace.contains { $0.event.text.contains("STATUS_INSUFFICIENT_RESOURCES") })
        // And the failure branch is reached: an assertion there fails.
        let reached = try whenSafe {
            LockUserBuffer {
                Step()
            } onFailure: {
                Assert(false, "FltLockUserBuffer failed")
            }
        }
        #expect(errorIds(reached) == ["Assertion"])
    }

    @Test func lockingABufferThatHasAnMdlCannotFail() throws {
        // It has nothing to allocate: STATUS_SUCCESS ("even if the buffer was already locked").
        let result = try reads(Requests(.read, buffers: [.userWithMdl]), pre: .synchronize) {
            LockUserBuffer {
                Step()
            } onFailure: {
                Assert(false, "FltLockUserBuffer failed")
            }
        }
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
    }

    @Test func lockUserBufferAtDispatchLevelIsPostOpDispatchSafe() throws {
        // Q5 names FltLockUserBuffer among the IRQL <= APC_LEVEL calls a post-op must not make.
        let result = try reads(Requests(.read, buffers: [.userWithoutMdl])) {
            LockUserBuffer {
                AccessBuffer()
            } onFailure: {
                SetStatus(NTStatus.insufficientResources, information: 0)
            }
        }
        #expect(errorIds(result) == ["PostOpDispatchSafe"])
        #expect(message(result, "PostOpDispatchSafe").contains("FltLockUserBuffer(READ #1) at DISPATCH_LEVEL"), "\(message(result, "PostOpDispatchSafe"))")
    }

    @Test func aDrainedPostOpDoesNotTouchTheBuffer() throws {
        // I:drain: only clean up (Q3), even through an MDL.
        let result = explore(try program {
            _ = Model("Drained") {
                Workload {
                    Requests(.read, fileSystem: .asynchronous(.success), buffers: [.userWithMdl])
                    InstanceTeardown("F")
                }
                Filter("F", altitude: 100) {
                    PreOperation(.read) { Return(.successWithCallback) }
                    PostOperation(.read) {
                        AccessBuffer()
                        Return(.finishedProcessing)
                    }
                }
            }
        })
        #expect(errorIds(result) == ["DrainingCleanupOnly"])
    }

    @Test func touchingTheBufferOfAnOperationWithoutOneIsAModelMistake() throws {
        let result = explore(try program {
            _ = Model("NoBuffer") {
                Workload { Requests(.cleanup) }
                Filter("F", altitude: 100) {
                    PreOperation(.cleanup) {
                        AccessBuffer()
                        Return(.successNoCallback)
                    }
                }
            }
        })
        #expect(errorIds(result) == ["ModelIntegrity"])
        #expect(message(result, "ModelIntegrity").contains("IRP_MJ_CLEANUP carries none"))
    }
}

@Suite struct BufferKinds {
    /// Whether a pre-read can see a buffer of `kind` when its requests are declared as `requests`:
    /// an assertion that it is not that kind fails exactly when it can.
    private func reachable(_ kind: BufferKind, _ requests: Requests) throws -> Bool {
        let isKind: Expr = switch kind {
        case .system: Op.isSystemBuffer
        case .userWithMdl: Op.hasMdl && !Op.isSystemBuffer
        case .userWithoutMdl: !Op.hasMdl && !Op.isSystemBuffer
        }
        let result = explore(try program {
            _ = Model("Kinds") {
                Workload { requests }
                Filter("F", altitude: 100) {
                    PreOperation(.read) {
                        Assert(!isKind, "not \(kind)")
                        Return(.successNoCallback)
                    }
                    PreOperation(.queryInformation) {
                        Assert(!isKind, "not \(kind)")
                        Return(.successNoCallback)
                    }
                }
            }
        })
        #expect(result.exhaustive)
        return errorIds(result) == ["Assertion"]
    }

    @Test(arguments: BufferKind.allCases)
    func everyKindIsExploredByDefaultForAnIrpRead(_ kind: BufferKind) throws {
        #expect(try reachable(kind, Requests(.read)))
    }

    @Test(arguments: BufferKind.allCases)
    func onlyTheListedKindsAreExplored(_ kind: BufferKind) throws {
        let listed: [BufferKind] = [.system, .userWithoutMdl]
        #expect(try reachable(kind, Requests(.read, buffers: listed)) == listed.contains(kind))
    }

    @Test(arguments: BufferKind.allCases)
    func fastIoHasOnlyAUserBufferAndQueryInformationOnlyASystemBuffer(_ kind: BufferKind) throws {
        // Fast I/O never has an MDL; query information is buffered I/O.
        #expect(try reachable(kind, Requests(.read, kind: .fastIo)) == (kind == .userWithoutMdl))
        #expect(try reachable(kind, Requests(.queryInformation)) == (kind == .system))
    }

    @Test func aModelThatDoesNotLookAtBuffersTracksNone() throws {
        // Buffers are untracked unless the model uses them, so existing state spaces are unchanged.
        let plain = try program {
            _ = Model("Plain") {
                Workload { Requests(.read, count: 2) }
                Filter("F", altitude: 100) { PreOperation(.read) { Return(.successNoCallback) } }
            }
        }
        #expect(!plain.tracksBuffers)
        #expect(plain.requests.allSatisfy { $0.buffers.isEmpty })
        let looking = try program {
            _ = Model("Looking") {
                Workload { Requests(.read, count: 2) }
                Filter("F", altitude: 100) {
                    PreOperation(.read) {
                        If(Op.hasMdl) { Return(.successNoCallback) }
                        Return(.successNoCallback)
                    }
                }
            }
        }
        #expect(looking.tracksBuffers)
        #expect(looking.requests.allSatisfy { $0.buffers == [.system, .userWithMdl, .userWithoutMdl] })
        // Each kind is a state of its own: more states than the same model without buffers.
        #expect(explore(looking).statesStored > explore(plain).statesStored)
    }

    @Test func badBufferDeclarationsAreModelErrors() throws {
        func error(_ requests: Requests) -> ModelError? {
            compileError {
                _ = Model("M") {
                    Workload { requests }
                    Filter("F", altitude: 1) { PreOperation(.read) { Return(.successNoCallback) } }
                }
            }
        }
        let line = #line + 1
        let empty = error(Requests(.read, buffers: []))
        #expect(empty?.message.contains("give at least one") == true, "\(String(describing: empty))")
        #expect(empty?.location?.line == line)
        let twice = error(Requests(.read, buffers: [.system, .system]))
        #expect(twice?.message.contains("lists a kind twice") == true, "\(String(describing: twice))")
        let cleanup = error(Requests(.cleanup, buffers: [.system]))
        #expect(cleanup?.message.contains("IRP_MJ_CLEANUP carries no data buffer") == true, "\(String(describing: cleanup))")
        let fastIo = error(Requests(.read, kind: .fastIo, buffers: [.userWithMdl]))
        #expect(fastIo?.message.contains("fast I/O") == true, "\(String(describing: fastIo))")
    }

    @Test func touchingOrLockingInTeardownCodeIsAModelError() throws {
        let line = #line + 6
        let error = compileError {
            _ = Model("M") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) {
                    PreOperation(.read) { Return(.successNoCallback) }
                    InstanceTeardownStart { AccessBuffer() }
                }
            }
        }
        #expect(error?.message.contains("runs for no operation") == true, "\(String(describing: error))")
        #expect(error?.location?.line == line)
    }
}
