// fltcheck-expect: violated WhenSafeContract
// WhenSafeOnPagingRead breaks WhenSafeContract (catalog Q7): the post-read calls
// FltDoCompletionProcessingWhenSafe for paging reads too; it may be called only for IRP-based
// operations that are not paging I/O.
import FltModel

let model = Model("WhenSafeOnPagingRead") {
    Workload {
        Requests(.read, paging: true)
        InstanceTeardown("SwapBuffers")
    }
    Filter("SwapBuffers", altitude: 340_000) {
        let copies = IntVariable("copies", 0...2)
        let copyBack = SafePostCallback("SwapPostReadBuffersWhenSafe") {
            Atomic { copies.set(copies + 1) }
            Return(.finishedProcessing)
        }
        PreOperation(.read) { Return(.successWithCallback) }
        PostOperation(.read) {
            If(Op.isDraining) {
                Return(.finishedProcessing)
            }
            DoCompletionProcessingWhenSafe(copyBack) {
                SetStatus(NTStatus.unsuccessful)
                Return(.finishedProcessing)
            }
        }
    }
}
