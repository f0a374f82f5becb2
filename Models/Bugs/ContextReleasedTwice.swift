// fltcheck-expect: violated RefCountBalance
// ContextReleasedTwice breaks RefCountBalance (catalog T14): the error path releases the stream
// context and the post-op releases it again, so one get is released twice: bug check 0xF5 with
// P1=0x6D (a context over-released).
import FltModel

let model = Model("ContextReleasedTwice") {
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
                // BUG: releases here, then asks for the post-op, which releases again.
                streamContext.release()
                Return(.successWithCallback)
            }
        }
        PostOperation(.setInformation) {
            streamContext.release()
            Return(.finishedProcessing)
        }
    }
}
