// fltcheck-expect: violated NoDoubleCompletion
// PostReadWarningCompletedTwice: the file system's completion status decides a race. The status the
// file system completes the read with is left symbolic (any NTSTATUS). PostRead hands the read to a
// Cleanup work item and returns MORE_PROCESSING_REQUIRED; then, on its own thread:
//   - PostRead finishes the read itself when !NT_SUCCESS(status) (>= 0x80000000: errors and
//     warnings such as STATUS_BUFFER_OVERFLOW, 0x80000005), thinking Cleanup leaves failures alone;
//   - Cleanup finishes it unless NT_ERROR(status) (>= 0xC0000000: errors only).
// For a warning both call FltCompletePendedPostOperation: a double completion, on a path only
// warning statuses open. Z3 finds the smallest one: 0x80000000. No explicit list of statuses in
// the model names a warning; the symbolic status covers them all.
import FltModel

let model = Model("PostReadWarningCompletedTwice") {
    Workload {
        Requests(.read, count: 1, fileSystemStatus: .symbolic)
    }
    Filter("Cache", altitude: 150_000) {
        let cleanup = WorkItem("Cleanup") {
            If(Op.status < 0xC000_0000) {
                CompletePendedPostOperation(Op.current)
            }
        }
        PreOperation(.read) {
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            QueueDeferredIoWorkItem(cleanup) {
                If(Op.status >= 0x8000_0000) {
                    CompletePendedPostOperation(Op.current)
                }
                Return(.moreProcessingRequired)
            } onFailure: {
                Return(.finishedProcessing)
            }
        }
    }
}
