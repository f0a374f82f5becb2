// fltcheck-expect: violated CbdqInsertResultConsistency
// PendDespiteDisabledQueue breaks CbdqInsertResultConsistency (catalog C3): when FltCbdqInsertIo
// fails, the pre-op must not return FLT_PREOP_PENDING for the operation.
//
// The mistake: the protocol of the WDK cancelSafe sample (Models/CancelSafe.swift), but PreRead
// keeps only the sample's "insert, then return PENDING" and drops its status test
// (cancelSafe.c l.1728-1743). The developer reasons that the InsertIo callback cannot fail (it
// allocates nothing) and forgets that FltCbdqInsertIo also fails by itself, with
// STATUS_FLT_CBDQ_DISABLED, once InstanceTeardownStart has called FltCbdqDisable. A read whose
// PreRead races the start of a detach is then pended while it is in no queue: neither the worker
// nor the teardown drain will ever see it, the read hangs, and with it the detach (T4).
import FltModel

let model = Model("PendDespiteDisabledQueue") {
    Workload {
        Requests(.read, count: 1, synchronous: false)
        InstanceTeardown("CancelSafe")
    }
    Filter("CancelSafe", altitude: 370_020) {
        let pendingIo = CancelSafeQueue("PendingIo") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let next = OperationVariable("next")
        let drained = OperationVariable("drained")
        let insertStatus = IntVariable("insertStatus", 0...Int(UInt32.max))
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
            pendingIo.insert(status: insertStatus) {
                QueueDeferredIoWorkItem(deQueue) {
                } onFailure: {
                    // The read is in the queue: teardown start drains it.
                }
            } onFailure: {
                // BUG: the status is only logged (DbgPrint), as if the insert could not fail.
            }
            Return(.pending)
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
