// fltcheck-expect: holds
// TeardownCompleteResumesNothing: Models/Bugs/ResumeAfterTeardownComplete.swift fixed. The pended
// read's handle lives in the instance context, and whoever resumes the read first takes the handle
// out of the context under the context lock (`Atomic`), so exactly one party owns it:
//
//     KeAcquireSpinLock(&ctx->Lock, &irql); data = ctx->PendedRead; ctx->PendedRead = NULL; KeReleaseSpinLock(...);
//     if (data != NULL) FltCompletePendedPreOperation(data, ...);
//
// The deferred work item resumes the read normally; InstanceTeardownStart resumes it with
// STATUS_CANCELLED if it gets there first (T1, as the WDK cancelSafe sample's teardown start does
// for its queue). InstanceTeardownComplete resumes nothing: by T4 nothing can be pended when it
// runs, so it only checks that the context holds no handle (T6). Fast I/O reads are refused with
// DISALLOW_FASTIO. When FltQueueDeferredIoWorkItem fails because teardown has started, the pre-op
// takes the handle back the same way, and returns PENDING if teardown start got it first (R6, R8).
// The read races the teardown at every step. Every property holds.
import FltModel

let model = Model("TeardownCompleteResumesNothing") {
    Workload {
        Requests(.read, count: 1, synchronous: false, fileSystem: .either(.success))
        Requests(.read, count: 1, kind: .fastIo)
        InstanceTeardown("ReadChecker")
    }
    Filter("ReadChecker", altitude: 328_000) {
        let pendedRead = OperationVariable("pendedRead")
        // Locals of the work item, the teardown start and the pre-op (one IRP read, so one each).
        let workerTook = OperationVariable("workerTook")
        let teardownTook = OperationVariable("teardownTook")
        let tookBack = BoolVariable("tookBack")
        let check = WorkItem("CheckRead") {
            Atomic {
                workerTook.set(pendedRead)
                pendedRead.set(Op.none)
            }
            If(workerTook != Op.none) {
                CompletePendedPreOperation(workerTook, .successNoCallback)
                workerTook.set(Op.none)
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            pendedRead.set(Op.current)
            QueueDeferredIoWorkItem(check) {
                Return(.pending)
            } onFailure: {
                // Not queued (the instance is being torn down): take the handle back. If teardown
                // start has already taken it, the read is teardown's to resume (maybe already
                // resumed, R8), and the pre-op must return PENDING.
                Atomic {
                    tookBack.set(pendedRead == Op.current)
                    If(tookBack) {
                        pendedRead.set(Op.none)
                    }
                }
                If(tookBack) {
                    Return(.successNoCallback)
                }
                Return(.pending)
            }
        }
        InstanceTeardownStart {
            Atomic {
                teardownTook.set(pendedRead)
                pendedRead.set(Op.none)
            }
            If(teardownTook != Op.none) {
                CompletePendedPreOperation(teardownTook, .complete(.cancelled))
                teardownTook.set(Op.none)
            }
        }
        InstanceTeardownComplete {
            Assert(pendedRead == Op.none, "no handle is left in the context when teardown completes (T4)")
        }
    }
}
