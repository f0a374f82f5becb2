// fltcheck-expect: holds
// WhenSafeCopy: the swapBuffers post-read pattern (swapBuffers.c ~l.1131, SwapPostReadBuffersWhenSafe
// ~l.1228): when the read's buffer is a user buffer with no MDL the copy back needs PASSIVE_LEVEL, so
// the post-read calls FltDoCompletionProcessingWhenSafe. TRUE: the safe callback locks and copies,
// and its status is the post-op's (run at once, or on a worker after MORE_PROCESSING_REQUIRED). FALSE:
// it fails the read (STATUS_UNSUCCESSFUL) and finishes (Q7). A drained read only cleans up (Q3, Q4).
import FltModel

let model = Model("WhenSafeCopy") {
    Workload {
        Requests(.read, count: 2, fileSystem: .either(.success))
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
                SetStatus(NTStatus.unsuccessful, information: 0)
                Return(.finishedProcessing)
            }
        }
    }
}
