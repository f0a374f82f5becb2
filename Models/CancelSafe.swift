// fltcheck-expect: holds
// CancelSafe: the protocol logic of the WDK cancelSafe sample (filesys/miniFilter/cancelSafe/
// cancelSafe.c): PreRead refuses fast I/O with DISALLOW_FASTIO (l.1582), inserts the read into a
// cancel-safe queue with FltCbdqInsertIo and returns PENDING only when that succeeded (l.1728-1743);
// a worker takes the next read with FltCbdqRemoveNextIo and resumes it with
// FltCompletePendedPreOperation (PreReadWorkItemRoutine, l.1778-1904); the queue's cancel callback
// completes a cancelled read with STATUS_CANCELLED (CsqCompleteCanceledIo, l.1529-1568);
// InstanceTeardownStart disables the queue and completes everything still in it
// (l.1092-1143, PreReadEmptyQueueAndComplete l.2021).
// Abstracted: the sample's one generic worker (queued by CsqInsertIo with a flag handshake) is a
// deferred work item queued per read that takes whichever read is next; the queue lock is `Atomic`.
// Reads may be cancelled, and the instance may be torn down at any step. Every property holds.
import FltModel

let model = Model("CancelSafe") {
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
            pendingIo.disable()
            pendingIo.removeNext(into: drained)
            While(drained != Op.none) {
                CompletePendedPreOperation(drained, .complete(.cancelled))
                pendingIo.removeNext(into: drained)
            }
        }
    }
}
