// fltcheck-expect: violated TeardownCompletes PendedOperationsResumed
// TeardownForgetsQueue breaks TeardownCompletes (catalog T1, T4): CancelSafe (Models/CancelSafe.swift)
// with an InstanceTeardownStart that neither disables nor drains its cancel-safe queue. A read
// inserted when teardown starts gets no work item (FltQueueDeferredIoWorkItem fails with
// STATUS_FLT_DELETING_OBJECT once the instance is being torn down, W1), stays pended in the queue,
// and FltMgr never calls InstanceTeardownComplete: the detach or unload hangs.
import FltModel

let model = Model("TeardownForgetsQueue") {
    Workload {
        Requests(.read, count: 2, synchronous: false, cancellable: true)
        Requests(.read, kind: .fastIo)
        InstanceTeardown("CancelSafe")
    }
    Filter("CancelSafe", altitude: 370_020) {
        let pendingIo = CancelSafeQueue("PendingIo") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let next = OperationVariable("next")
        let drained = OperationVariable("drained")
        let deQueue = WorkItem("DeQueue") {
            Atomic {
                pendingIo.removeNext(into: next)
                If(next != Op.none) {
                    CompletePendedPreOperation(next, .successNoCallback)
                    next.set(Op.none)
                }
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            pendingIo.insert {
                // The read is queued: whoever takes it out resumes it, even if no worker can be
                // queued now (teardown start drains the queue).
                QueueDeferredIoWorkItem(deQueue) {
                    Return(.pending)
                } onFailure: {
                    Return(.pending)
                }
            } onFailure: {
                Return(.successNoCallback)
            }
        }
        InstanceTeardownStart {
            // BUG: neither FltCbdqDisable nor a drain of the queue (compare cancelSafe.c l.1143).
            drained.set(Op.none)
        }
    }
}
