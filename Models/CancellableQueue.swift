// fltcheck-expect: holds
// CancellableQueue: a cancel-safe queue of pended reads with cancellation and a teardown drain,
// built differently from Models/CancelSafe.swift (the WDK cancelSafe sample):
// - The queue's InsertIo callback returns STATUS_PENDING, so PreRead pends a read only when
//   FltCbdqInsertIo returned exactly that (FltCbdqInsertIo passes the callback's status through;
//   docs-ddi #945, C3); STATUS_FLT_CBDQ_DISABLED, once teardown has started, passes the read down.
// - Each read gets its own deferred work item, which takes that read out with
//   FltCbdqRemoveIo(Op.current) rather than FltCbdqRemoveNextIo. FltCbdqRemoveIo returns NULL when
//   the cancel path or the teardown drain took the read first, and then the work item leaves it to
//   them (C6, C7: exactly one party completes each queued read). The remove and the resume are in
//   one `Atomic` only because the model has no thread-local variables.
// - When FltQueueDeferredIoWorkItem fails (the instance is being torn down, W1), PreRead takes its
//   read back the same way and passes it down if it got it, or returns PENDING if the teardown
//   drain or a cancel already owns it (and may already have completed it, R8).
// - The cancel callback completes a cancelled read with STATUS_CANCELLED (C5); InstanceTeardownStart
//   disables the queue and completes every read still in it (T1, T2). Fast I/O is refused with
//   DISALLOW_FASTIO before the queue is touched (C2); paging reads and reads with TopLevelIrp set,
//   which cannot be posted (W1), are passed down (none in this workload, to keep it small).
// Reads may be cancelled at any step and the instance torn down at any step. Every property holds.
import FltModel

let model = Model("CancellableQueue") {
    Workload {
        Requests(.read, count: 2, synchronous: false, cancellable: true)
        Requests(.read, count: 1, kind: .fastIo)
        InstanceTeardown("ReadQueue")
    }
    Filter("ReadQueue", altitude: 370_030) {
        let readQueue = CancelSafeQueue("ReadQueue", insertReturns: .pending) {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let insertStatus = IntVariable("insertStatus", 0...Int(UInt32.max))
        let taken = OperationVariable("taken")
        let drained = OperationVariable("drained")
        let serve = WorkItem("ServeRead") {
            Atomic {
                readQueue.remove(Op.current, into: taken)
                If(taken != Op.none) {
                    taken.set(Op.none)
                    CompletePendedPreOperation(Op.current, .successNoCallback)
                }
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            If(Op.isPaging || Op.isTopLevelIrp) {
                // Cannot be posted (W1): not queued at all.
                Return(.successNoCallback)
            }
            Atomic {
                readQueue.insert(status: insertStatus) {
                } onFailure: {
                }
                // The status goes to a local: test it in the same step.
                If(insertStatus != NTStatus.pending) {
                    Return(.successNoCallback)
                }
            }
            QueueDeferredIoWorkItem(serve) {
                Return(.pending)
            } onFailure: {
                Atomic {
                    readQueue.remove(Op.current, into: taken)
                    If(taken != Op.none) {
                        taken.set(Op.none)
                        Return(.successNoCallback)
                    }
                }
                Return(.pending)
            }
        }
        InstanceTeardownStart {
            readQueue.disable()
            readQueue.removeNext(into: drained)
            While(drained != Op.none) {
                CompletePendedPreOperation(drained, .complete(.cancelled))
                readQueue.removeNext(into: drained)
            }
        }
    }
}
