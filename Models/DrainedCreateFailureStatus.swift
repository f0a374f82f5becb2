// fltcheck-expect: holds
// DrainedCreateFailureStatus: Models/Bugs/DrainedCreateLooksSuccessful.swift under the model option
// `drainedStatus: .failureUntilCompleted`: a post-op drained before the operation was completed
// below the filter sees IoStatus.Status = STATUS_UNSUCCESSFUL in its copy of the callback data.
// That is what the WDK delete sample's post-create assumes (delete.c l.2700: "this status check
// handles the draining scenario"); the docs leave it open (D:post says only that the drained
// post-op gets a copy of the callback data; I:drain that the operation may not have completed).
// Under this reading the status check keeps the drained call out of the success branch and every
// property holds. A create that the file system completed before the drain cannot be drained
// here: its post-op is called in the same step.
import FltModel

let model = Model("DrainedCreateFailureStatus", drainedStatus: .failureUntilCompleted) {
    Workload {
        Requests(.create, fileSystem: .either(.success, .objectNameNotFound))
        InstanceTeardown("Candidates")
    }
    Filter("Candidates", altitude: 385_100) {
        let candidate = BoolVariable("StreamContext.DeleteOnClose")
        PreOperation(.create) {
            // FILE_DELETE_ON_CLOSE: a stream context as CompletionContext.
            SetCompletionContext()
            Return(.successWithCallback)
        }
        PostOperation(.create) {
            If(Op.status == NTStatus.success) {
                Assert(!Op.isDraining, "delete.c l.2706: ASSERT(!FlagOn(Flags, FLTFL_POST_OPERATION_DRAINING))")
                candidate.set(true)
            }
            // Frees or attaches the CompletionContext.
            Return(.finishedProcessing)
        }
    }
}
