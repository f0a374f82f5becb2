// fltcheck-expect: violated CompletionCtxNullUnlessCallback
// ContextWithComplete breaks CompletionCtxNullUnlessCallback (catalog P2): the pre-write allocates its
// context first and still returns it when it completes the write after a failure: no post-op will
// run to free it (Filter Verifier and the _Flt_CompletionContext_Outptr_ annotation flag this).
import FltModel

let model = Model("ContextWithComplete") {
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
                SetCompletionContext()
                Return(.complete(.insufficientResources))
            }
        }
        PostOperation(.write) {
            Atomic { freed.set(freed + 1) }
            Return(.finishedProcessing)
        }
    }
}
