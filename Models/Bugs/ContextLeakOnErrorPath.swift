// fltcheck-expect: violated RefCountBalance
// ContextLeakOnErrorPath breaks RefCountBalance (catalog T14): Models/ContextReferences.swift with
// an error path in the pre-op that returns without FltReleaseContext. When the instance is torn down
// the stream context still has the filter's reference: Filter Verifier reports the leak and the
// context is never freed (the known leak of Windows-driver-samples issue #1360 is of this kind).
import FltModel

let model = Model("ContextLeakOnErrorPath") {
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
                // BUG: the reference taken above is never released on this path.
                Return(.successNoCallback)
            }
        }
        PostOperation(.setInformation) {
            streamContext.release()
            Return(.finishedProcessing)
        }
    }
}
