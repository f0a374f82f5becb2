// fltcheck-expect: violated NoDoubleCompletion
// CancelRacesPeekingWorker breaks NoDoubleCompletion (catalog R2, here as C7 CbdqSingleOwner): each
// operation in a cancel-safe queue is completed by exactly one party, whoever removes it: the
// worker (FltCbdqRemoveIo / FltCbdqRemoveNextIo) or the cancel path (CbdqCompleteCanceledIo).
//
// The mistake: the filter inserts each pended read into a cancel-safe queue so that a cancel can
// complete it (its cancel callback, like cancelSafe.c's CsqCompleteCanceledIo l.1529-1568,
// completes the read with STATUS_CANCELLED), but its worker does not take the read out of the
// queue. The pre-op also saves the callback data in the request's context (`ctx->Data = Data`),
// and the worker completes whatever it finds there, treating the queue as a mere list of "reads
// that can still be cancelled". When the originator cancels the read while the worker is on its
// way (IoCancelIrp, e.g. from CancelIoEx or thread exit), FltMgr removes it from the queue and the
// cancel callback completes it; the worker completes it too, or has already done so, and the
// still-queued read is cancelled afterwards: FltCompletePendedPreOperation is called twice for one
// read. The worker must own the read only through FltCbdqRemoveIo(&Cbdq, &ctx->CbdqContext),
// which returns NULL once the cancel path has taken it (D:cbdqrem, C6), as in
// Models/CancellableQueue.swift.
import FltModel

let model = Model("CancelRacesPeekingWorker") {
    Workload {
        Requests(.read, count: 1, synchronous: false, cancellable: true)
    }
    Filter("ReadQueue", altitude: 370_030) {
        let pendingIo = CancelSafeQueue("PendingIo") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        // The read's context field (one read, so one variable).
        let savedData = OperationVariable("savedData")
        let tookBack = OperationVariable("tookBack")
        let worker = WorkItem("ReadWorker") {
            // BUG: the read is completed from the saved pointer, not from FltCbdqRemoveIo.
            If(savedData != Op.none) {
                CompletePendedPreOperation(savedData, .successNoCallback)
                savedData.set(Op.none)
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            savedData.set(Op.current)
            pendingIo.insert {
                QueueDeferredIoWorkItem(worker) {
                    Return(.pending)
                } onFailure: {
                    // Take the read back and pass it down, unless a cancel already owns it.
                    pendingIo.remove(Op.current, into: tookBack)
                    If(tookBack != Op.none) {
                        tookBack.set(Op.none)
                        savedData.set(Op.none)
                        Return(.successNoCallback)
                    }
                    Return(.pending)
                }
            } onFailure: {
                savedData.set(Op.none)
                Return(.successNoCallback)
            }
        }
    }
}
