// fltcheck-expect: violated CbdqIrpOnly
// QueueFastIoRead breaks CbdqIrpOnly (catalog C2): FltCbdq* routines apply only to IRP-based
// operations.
//
// The mistake: the WDK cancelSafe sample's PreRead (Models/CancelSafe.swift) without one of its
// tests. cancelSafe.c passes paging I/O and TopLevelIrp reads down (l.1627), and then, because
// "Fast I/O operations cannot be queued", refuses any non-IRP read with FLT_PREOP_DISALLOW_FASTIO
// before it touches the queue (l.1680-1684). This filter keeps the first test and drops the second,
// handing every other read to FltCbdqInsertIo. A cached read that arrives as fast I/O has no IRP
// for the queue to hold or for the I/O manager to cancel, and FltMgr's cancel-safe queues are for
// IRP-based operations only (D:cbdqinit, D:cbdqins); had the insert "worked", the pre-op would go
// on to return FLT_PREOP_PENDING for fast I/O (P8).
import FltModel

let model = Model("QueueFastIoRead") {
    Workload {
        Requests(.read, count: 1, synchronous: false)
        Requests(.read, count: 1, kind: .fastIo)
    }
    Filter("CancelSafe", altitude: 370_020) {
        let pendingIo = CancelSafeQueue("PendingIo") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let next = OperationVariable("next")
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
            // BUG: no `if (FLT_IS_FASTIO_OPERATION(Data)) return FLT_PREOP_DISALLOW_FASTIO;`.
            If(Op.isPaging || Op.isTopLevelIrp) {
                Return(.successNoCallback)
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
