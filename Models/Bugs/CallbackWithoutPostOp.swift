// fltcheck-expect: violated CallbackRequiresPostOp
// CallbackRequiresPostOp (catalog P3): returning FLT_PREOP_SUCCESS_WITH_CALLBACK or
// FLT_PREOP_SYNCHRONIZE requires a post-operation callback registered for that major function;
// without one FltMgr bug-checks (0xF5, P1 = 0x66).
//
// The mistake: the filter tracks which files were written to. PreWrite used to ask for the
// post-write callback, where the "modified" mark was set on success. During a refactoring the mark
// moved into PreWrite and PostWrite was removed from the FLT_OPERATION_REGISTRATION array (only
// IRP_MJ_CREATE keeps a post-op), but PreWrite still returns FLT_PREOP_SUCCESS_WITH_CALLBACK for
// writes to tracked files.
import FltModel

let model = Model("CallbackWithoutPostOp") {
    Workload {
        Requests(.create, count: 1)
        Requests(.write, count: 1)
    }
    Filter("ChangeTracker", altitude: 328_000) {
        let modified = BoolVariable("modified")
        PreOperation(.create) {
            Return(.successWithCallback)
        }
        PostOperation(.create) {
            Return(.finishedProcessing)
        }
        PreOperation(.write) {
            If(Op.isPaging) {
                Return(.successNoCallback)
            }
            modified.set(true)
            // BUG: there is no PostOperation(.write) any more.
            Return(.successWithCallback)
        }
    }
}
