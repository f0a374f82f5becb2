// fltcheck-expect: holds
// SwapBufferParameters: the swapBuffers pre-write (swapBuffers.c ~l.2148): swap in the filter's own
// buffer, FltSetCallbackDataDirty (P15), hand the old buffer to the post-op in *CompletionContext
// and return SUCCESS_WITH_CALLBACK (P2); on an allocation failure complete the write with an error
// and no context. The post-write frees the context (when draining too). Holds.
import FltModel

let model = Model("SwapBufferParameters") {
    Workload { Requests(.write, count: 2, fileSystem: .either(.success)) }
    Filter("SwapBuffers", altitude: 340_000) {
        let freed = IntVariable("freed", 0...2)
        PreOperation(.write) {
            Either {
                ModifyParameters()
                SetCallbackDataDirty()
                SetCompletionContext()
                Return(.successWithCallback)
            } or: {
                Return(.complete(.insufficientResources))
            }
        }
        PostOperation(.write) {
            Atomic { freed.set(freed + 1) }
            Return(.finishedProcessing)
        }
    }
}
