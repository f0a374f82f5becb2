// fltcheck-expect: violated PendOnlyIrp
// PendOnlyIrp (catalog P8): FLT_PREOP_PENDING may be returned only for IRP-based operations.
//
// The mistake: the filter serializes reads of a file. The first read takes `busy`; a read that
// arrives while it is held is parked in `waiter` and pended, and the post-read of the read holding
// `busy` hands it over by resuming the waiter (FltCompletePendedPreOperation). The developer forgot
// that fast I/O reads come through the same PreRead: a fast I/O read that finds the file busy is
// pended too, and fast I/O cannot be pended (the fix: `If(Op.isFastIo) { Return(.disallowFastIo) }`
// first, so the I/O manager reissues it as an IRP).
import FltModel

let model = Model("PendFastIo") {
    Workload {
        Requests(.read, count: 1)
        Requests(.read, count: 1, kind: .fastIo)
    }
    Filter("ReadSerializer", altitude: 329_000) {
        let busy = BoolVariable("busy")
        let waiter = OperationVariable("waiter")
        let next = OperationVariable("next")
        PreOperation(.read) {
            Atomic {
                If(busy == false) {
                    busy.set(true)
                    Return(.successWithCallback)
                }
                // BUG: fast I/O is parked and pended too.
                waiter.set(Op.current)
                Return(.pending)
            }
        }
        PostOperation(.read) {
            // Hand `busy` to the waiter, if any, or release it.
            Atomic {
                next.set(waiter)
                waiter.set(Op.none)
                If(next.isEmpty) {
                    busy.set(false)
                }
            }
            If(!next.isEmpty) {
                CompletePendedPreOperation(next, .successWithCallback)
            }
            Return(.finishedProcessing)
        }
    }
}
