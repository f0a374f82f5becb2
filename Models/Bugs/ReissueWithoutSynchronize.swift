// fltcheck-expect: violated ReissueOnlySynchronized
// ReissueWithoutSynchronize breaks ReissueOnlySynchronized (catalog Q11):
// Models/ReissueAfterSharingViolation.swift with its pre-op returning FLT_PREOP_SUCCESS_WITH_CALLBACK
// instead of FLT_PREOP_SYNCHRONIZE. Its post-op may then run at DISPATCH_LEVEL in an arbitrary
// thread and the operation is not synchronized: D:reissue allows FltReissueSynchronousIo only for an
// operation whose pre-op returned FLT_PREOP_SYNCHRONIZE.
import FltModel

let model = Model("ReissueWithoutSynchronize") {
    Workload { Requests(.setInformation, fileSystem: .inline(.success, .sharingViolation)) }
    Filter("Retry", altitude: 300_000) {
        let retried = BoolVariable("retried")
        PreOperation(.setInformation) { Return(.successWithCallback) }
        PostOperation(.setInformation) {
            If(Op.status == NTStatus.sharingViolation && !retried) {
                retried.set(true)
                ModifyParameters()
                SetCallbackDataDirty()
                ReissueSynchronousIo()
            }
            Return(.finishedProcessing)
        }
    }
}
