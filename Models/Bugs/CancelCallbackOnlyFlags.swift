// fltcheck-expect: violated CbdqCancelCallbackCompletes
// CancelCallbackOnlyFlags breaks CbdqCancelCallbackCompletes (catalog C5): a cancel-safe queue's
// CbdqCompleteCanceledIo must complete the cancelled operation it is given; FltMgr has already
// removed it from the queue.
//
// The mistake: the WDK cancelSafe protocol (Models/CancelSafe.swift) with a cancel callback that
// defers the work. Instead of CsqCompleteCanceledIo's
//
//     FltCompletePendedPreOperation(Data, FLT_PREOP_COMPLETE, NULL);   // with STATUS_CANCELLED
//
// (cancelSafe.c l.1529-1568) it only records that a read was cancelled, expecting the worker to
// see the flag when it dequeues the read and to complete it with STATUS_CANCELLED then. But
// FltMgr calls the callback after it has taken the read out of the queue (and FltCbdqRemoveNextIo
// never returns a cancelled read, C6), so no worker and no teardown drain will ever see it: the
// cancelled read stays pended forever.
import FltModel

let model = Model("CancelCallbackOnlyFlags") {
    Workload {
        Requests(.read, count: 1, synchronous: false, cancellable: true)
    }
    Filter("CancelSafe", altitude: 370_020) {
        let cancelSeen = BoolVariable("cancelSeen")
        let pendingIo = CancelSafeQueue("PendingIo") {
            // BUG: the cancelled read is not completed here.
            cancelSeen.set(true)
        }
        let next = OperationVariable("next")
        let deQueue = WorkItem("DeQueue") {
            Atomic {
                pendingIo.removeNext(into: next)
                If(next != Op.none) {
                    If(cancelSeen) {
                        CompletePendedPreOperation(next, .complete(.cancelled))
                    } else: {
                        CompletePendedPreOperation(next, .successNoCallback)
                    }
                    next.set(Op.none)
                }
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            pendingIo.insert {
                QueueDeferredIoWorkItem(deQueue) {
                    Return(.pending)
                } onFailure: {
                    Return(.pending)
                }
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
