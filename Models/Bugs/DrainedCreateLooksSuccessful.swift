// fltcheck-expect: violated Assertion
// DrainedCreateLooksSuccessful: a post-create that tells a drained call from a normal one by
// IoStatus.Status alone, as the WDK delete sample does (DfPostCreateCallback, delete.c l.2700-2706:
// "this status check handles the draining scenario", then ASSERT(!DRAINING) on success). Under the
// default `drainedStatus: .operationStatus` the drained post-op sees a copy of the callback data
// (D:post) with the operation's IoStatus as it is: a create still in the file system when the
// instance is torn down has not been given a status yet (STATUS_SUCCESS in fltcheck), so the
// success branch runs with FLTFL_POST_OPERATION_DRAINING set and the assertion fails.
//
// The docs do not say what a drained copy's IoStatus holds before the operation completes
// (I:drain: the post-op is called "even though the I/O operation has not been completed"), so it
// is a model option. Models/DrainedCreateFailureStatus.swift is the same filter under
// `drainedStatus: .failureUntilCompleted`, the sample's reading, where it holds. Checking
// Flags & FLTFL_POST_OPERATION_DRAINING (Op.isDraining) is right under both.
import FltModel

let model = Model("DrainedCreateLooksSuccessful") {
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
