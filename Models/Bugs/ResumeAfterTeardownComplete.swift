// fltcheck-expect: violated NoResumeAfterTeardownComplete
// ResumeAfterTeardownComplete breaks NoResumeAfterTeardownComplete (catalog T6): nothing is resumed
// (FltCompletePended*), queued or inserted on an instance once its InstanceTeardownComplete has
// begun ("complete after drain").
//
// The mistake: a filter pends each read while a deferred work item checks it, and keeps the
// pended read in its instance context (`ctx->PendedRead = Data`) so that teardown can "make sure
// nothing is left pended". The work item resumes the read and only then clears the field:
//
//     FltCompletePendedPreOperation(ctx->PendedRead, FLT_PREOP_SUCCESS_NO_CALLBACK, NULL);
//     ctx->PendedRead = NULL;
//
// and InstanceTeardownComplete "cleans up" by taking the field under the context lock and
//
//     if (leftOver != NULL) FltCompletePendedPreOperation(leftOver, FLT_PREOP_COMPLETE, NULL);
//
// Teardown complete never finds an operation still pended there (FltMgr calls it only when none is
// outstanding, T4), but it can find a stale one: once the worker has resumed the read, the read
// completes, nothing is outstanding, and InstanceTeardownComplete may run before the worker's next
// statement clears the field. It then resumes a callback data that FltMgr has already completed
// and freed, after teardown complete began. (In the fix, Models/TeardownCompleteResumesNothing.swift,
// the worker takes the handle out of the context under the lock, and teardown complete resumes
// nothing.)
import FltModel

let model = Model("ResumeAfterTeardownComplete") {
    Workload {
        Requests(.read, count: 1, synchronous: false)
        InstanceTeardown("ReadChecker")
    }
    Filter("ReadChecker", altitude: 328_000) {
        let pendedRead = OperationVariable("pendedRead")
        let check = WorkItem("CheckRead") {
            CompletePendedPreOperation(pendedRead, .successNoCallback)
            // BUG: cleared only after the resume; the read may be completed and the instance
            // torn down in between.
            pendedRead.set(Op.none)
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            pendedRead.set(Op.current)
            QueueDeferredIoWorkItem(check) {
                Return(.pending)
            } onFailure: {
                pendedRead.set(Op.none)
                Return(.successNoCallback)
            }
        }
        let leftOver = OperationVariable("leftOver")
        InstanceTeardownComplete {
            Atomic {
                leftOver.set(pendedRead)
                pendedRead.set(Op.none)
            }
            If(leftOver != Op.none) {
                // BUG: "complete after drain".
                CompletePendedPreOperation(leftOver, .complete(.cancelled))
            }
        }
    }
}
