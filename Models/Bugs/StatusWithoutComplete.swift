// fltcheck-expect: violated IoStatusWriteWindow
// StatusWithoutComplete breaks IoStatusWriteWindow (catalog P14): the pre-create writes
// STATUS_ACCESS_DENIED into IoStatus when its policy says no, but then lets the create go on
// (SUCCESS_NO_CALLBACK) instead of completing it; the file system overwrites or ignores the status.
import FltModel

let model = Model("StatusWithoutComplete") {
    Workload { Requests(.create) }
    Filter("Policy", altitude: 10) {
        let deny = BoolVariable("deny", initial: true)
        PreOperation(.create) {
            If(deny) {
                SetStatus(NTStatus.accessDenied)
            }
            Return(.successNoCallback)
        }
    }
}
