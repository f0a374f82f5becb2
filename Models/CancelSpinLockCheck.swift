// fltcheck-expect: holds
// CancelSpinLockCheck: attaching a cancel routine the way NameChanger does (nchelper.c ~l.270, catalog
// C12): under the system cancel spin lock, check FltIsIoCanceled and complete a request already
// cancelled, else FltSetCancelCompletion. IoCancelIrp takes the same lock, so no cancel can fall
// between the check and the set. The completion path clears the routine first (C11). Holds.
import FltModel
let model = Model("CancelSpinLockCheck") {
    Workload { Requests(.read, cancellable: true) }
    Filter("Notifier", altitude: 10) {
        let cancelLock = Lock.ioCancelSpinLock()
        let onCancel = CancelRoutine("OnCancel") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let change = WorkItem("Change") {
            ClearCancelCompletion(for: Op.current) {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            } onCancelled: {
                Step()
            }
        }
        PreOperation(.read) {
            cancelLock.acquire()
            If(Op.isCancelled) {
                cancelLock.release()
                Return(.complete(.cancelled))
            }
            SetCancelCompletion(onCancel)
            cancelLock.release()
            QueueDeferredIoWorkItem(change) { Return(.pending) } onFailure: { Return(.pending) }
        }
    }
}
