// fltcheck-expect: violated CancelCallbackSelfSync
// CancelRoutineOnPagingIo breaks CancelCallbackSelfSync (catalog C10): the pre-write attaches a
// cancel routine to every write before posting it, paging writes included. FltSetCancelCompletion
// is only for IRP-based operations that are not paging I/O (paging I/O cannot be cancelled).
import FltModel

let model = Model("CancelRoutineOnPagingIo") {
    Workload { Requests(.write, paging: true) }
    Filter("Poster", altitude: 10) {
        let onCancel = CancelRoutine("WriteCancel") {
            CompletePendedPreOperation(Op.current, .complete(.cancelled))
        }
        PreOperation(.write) {
            SetCancelCompletion(onCancel)
            Return(.successNoCallback)
        }
    }
}
