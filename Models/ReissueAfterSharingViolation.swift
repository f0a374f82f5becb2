// fltcheck-expect: holds
// ReissueAfterSharingViolation: FltReissueSynchronousIo as D:reissue describes it (catalog Q11). The
// Retry filter synchronizes IRP_MJ_SET_INFORMATION (FLT_PREOP_SYNCHRONIZE: only a synchronized
// operation can be reissued); when the file system fails it with STATUS_SHARING_VIOLATION, its
// post-op changes the parameters, calls FltSetCallbackDataDirty, and reissues it, once. FltMgr sends
// the reissued operation to the instance below (Below's pre- and post-op run again) and to the file
// system, not to the instance above (Above sees the operation once), and the call returns with the
// new result. A drained post-op (Retry's instance torn down) does not reissue (Q3). Holds.
import FltModel

let model = Model("ReissueAfterSharingViolation") {
    Workload {
        Requests(.setInformation, fileSystem: .inline(.success, .sharingViolation))
        InstanceTeardown("Retry")
    }
    Filter("Above", altitude: 400_000) {
        let seen = IntVariable("preOps", 0...2)
        PreOperation(.setInformation) {
            seen.set(seen + 1)
            Return(.successWithCallback)
        }
        PostOperation(.setInformation) {
            Assert(seen == 1, "the instance above the reissuing one sees the operation once")
            Return(.finishedProcessing)
        }
    }
    Filter("Retry", altitude: 300_000) {
        let retried = BoolVariable("retried")
        PreOperation(.setInformation) { Return(.synchronize) }
        PostOperation(.setInformation) {
            If(Op.isDraining) {
                Return(.finishedProcessing)
            }
            If(Op.status == NTStatus.sharingViolation && !retried) {
                retried.set(true)
                // Another FileInformationClass / flags for the retry.
                ModifyParameters()
                SetCallbackDataDirty()
                ReissueSynchronousIo()
            }
            Return(.finishedProcessing)
        }
    }
    Filter("Below", altitude: 100_000) {
        let preOps = IntVariable("preOps", 0...2)
        let postOps = IntVariable("postOps", 0...2)
        PreOperation(.setInformation) {
            preOps.set(preOps + 1)
            Return(.successWithCallback)
        }
        PostOperation(.setInformation) {
            postOps.set(postOps + 1)
            Assert(postOps == preOps, "the instance below gets a post-op for each pre-op, the reissue's included")
            Return(.finishedProcessing)
        }
    }
}
