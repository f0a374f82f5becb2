// fltcheck-expect: holds
// NotifyWithCancelRoutine: a hand-rolled pending list with FltSetCancelCompletion, as the WDK
// NameChanger sample keeps change-notify requests (ncdirnotify.c: NcPreNotifyDirectory pends the
// request and attaches a cancel routine under the cancel spin lock after checking FltIsIoCanceled,
// nchelper.c ~l.270 (C12); the completion path calls FltClearCancelCompletion and leaves the request
// to the cancel routine when that returns STATUS_CANCELLED, ~l.2735 (C11, "cancel always wins")).
// Abstracted: the pending list is one OperationVariable per request slot, the cancel spin lock is
// `Atomic`, and a "change" is a deferred work item. Requests may be cancelled. Every property holds.
import FltModel

let model = Model("NotifyWithCancelRoutine") {
    Workload {
        Requests(.directoryControl, count: 2, synchronous: false, cancellable: true)
    }
    Filter("Notifier", altitude: 340_000) {
        let onCancel = CancelRoutine("NotifyCancel") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let change = WorkItem("Change") {
            ClearCancelCompletion(for: Op.current) {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            } onCancelled: {
                // The cancel routine has it.
                Step()
            }
        }
        PreOperation(.directoryControl) {
            Atomic {
                If(Op.isCancelled) {
                    Return(.complete(.cancelled))
                }
                SetCancelCompletion(onCancel)
            }
            QueueDeferredIoWorkItem(change) {
                Return(.pending)
            } onFailure: {
                ClearCancelCompletion(for: Op.current) {
                    Return(.complete(.insufficientResources))
                } onCancelled: {
                    Return(.pending)
                }
            }
        }
    }
}
