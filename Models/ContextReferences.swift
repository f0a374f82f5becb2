// fltcheck-expect: holds
// ContextReferences: the ctx sample's reference discipline (filesys/miniFilter/ctx, operations.c:
// CtxPreCreate/CtxPostCreate, CtxPreSetInfo): the pre-op gets the stream context, hands it to the
// post-op and the post-op releases it; on the error path the pre-op releases it itself. The
// instance may be torn down at any time: no reference is left then (T14). Holds.
import FltModel

let model = Model("ContextReferences") {
    Workload {
        Requests(.setInformation, count: 2, fileSystem: .either(.success, .accessDenied))
        InstanceTeardown("Ctx")
    }
    Filter("Ctx", altitude: 160_000) {
        let streamContext = Context("StreamContext")
        PreOperation(.setInformation) {
            streamContext.get()
            Either {
                SetCompletionContext()
                Return(.successWithCallback)
            } or: {
                // Could not build the rename information: drop the reference and pass it on.
                streamContext.release()
                Return(.successNoCallback)
            }
        }
        PostOperation(.setInformation) {
            streamContext.release()
            Return(.finishedProcessing)
        }
    }
}
