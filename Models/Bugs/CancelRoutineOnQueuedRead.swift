// fltcheck-expect: violated NoCancelRoutineOnCbdqItems
// CancelRoutineOnQueuedRead breaks NoCancelRoutineOnCbdqItems (catalog C9): the pre-read inserts the
// read into its cancel-safe queue and then also attaches its own cancel routine with
// FltSetCancelCompletion "to be notified". The queue already owns cancellation of what it holds;
// two cancel paths for one request is how double completions start.
import FltModel

let model = Model("CancelRoutineOnQueuedRead") {
    Workload { Requests(.read, cancellable: true) }
    Filter("Queuer", altitude: 10) {
        let onCancel = CancelRoutine("Notify") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        let pending = CancelSafeQueue("Pending") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        PreOperation(.read) {
            pending.insert {
                SetCancelCompletion(onCancel)
                Return(.pending)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
