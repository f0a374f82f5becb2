// fltcheck-expect: violated ClearCancelBeforeComplete NoDoubleCompletion
// CompleteWithCancelRoutineSet breaks ClearCancelBeforeComplete (catalog C11): the completion path of
// Models/NotifyWithCancelRoutine.swift resumes the request without calling FltClearCancelCompletion
// first, so the cancel routine may still run for a request that is already completed (and freed).
import FltModel

let model = Model("CompleteWithCancelRoutineSet") {
    Workload {
        Requests(.directoryControl, count: 2, synchronous: false, cancellable: true)
    }
    Filter("Notifier", altitude: 340_000) {
        let onCancel = CancelRoutine("NotifyCancel") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let change = WorkItem("Change") {
            // BUG: no FltClearCancelCompletion before completing.
            CompletePendedPreOperation(Op.current, .successNoCallback)
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
