// fltcheck-expect: violated ResumeStatusValid
// ResumeStatusValid (catalog R4): the CallbackStatus passed to FltCompletePendedPreOperation must be
// FLT_PREOP_COMPLETE, FLT_PREOP_SUCCESS_NO_CALLBACK or FLT_PREOP_SUCCESS_WITH_CALLBACK.
//
// The mistake: the deferred worker asks the user-mode scanner for a verdict. When the scanner has
// not answered yet ("still scanning"), the developer wanted FltMgr to keep the read waiting, and
// resumed it with FLT_PREOP_PENDING, as if the worker were a pre-op that could pend again. A resumed
// operation cannot be pended again: FLT_PREOP_PENDING (like SYNCHRONIZE and DISALLOW_FASTIO) is not a
// valid resume status.
import FltModel

let model = Model("ResumeWithPending") {
    Workload {
        Requests(.read, count: 1)
    }
    Filter("UserModeScan", altitude: 321_000) {
        let askScanner = WorkItem("AskScanner") {
            OneOf {
                Branch {
                    // Clean.
                    CompletePendedPreOperation(Op.current, .successNoCallback)
                }
                Branch {
                    // Infected.
                    CompletePendedPreOperation(Op.current, .complete(.virusInfected))
                }
                Branch {
                    // No answer yet. BUG: "keep it pending".
                    CompletePendedPreOperation(Op.current, .pending)
                }
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            If(Op.isPaging || Op.isTopLevelIrp) {
                Return(.successNoCallback)
            }
            QueueDeferredIoWorkItem(askScanner) {
                Return(.pending)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
