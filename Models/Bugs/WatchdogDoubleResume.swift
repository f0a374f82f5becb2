// fltcheck-expect: violated NoDoubleCompletion
// NoDoubleCompletion (catalog R2): a pended operation is resumed at most once.
//
// The mistake: PreRead pends the read and queues two deferred work items for it, the real "Scan"
// worker and a "Watchdog" that gives up on a slow scan and fails the read with STATUS_CANCELLED.
// Both are meant to be mutually exclusive through a `resumed` flag in the request's context, but
// each does a plain check-then-act:
//
//     if (!ctx->Resumed) { ctx->Resumed = TRUE; FltCompletePendedPreOperation(Data, ...); }
//
// Both workers can read `Resumed == FALSE` before either sets it, so both call
// FltCompletePendedPreOperation for the same read: the second call resumes an operation FltMgr has
// already taken back (bug check or memory corruption on a real system). The fix (an interlocked
// exchange) is Models/CheckThenActFixed.swift.
import FltModel

let model = Model("WatchdogDoubleResume") {
    Workload {
        Requests(.read, count: 1, synchronous: false)
    }
    Filter("Scanner", altitude: 320_000) {
        // One read, so one flag stands for the read's stream-handle context field.
        let resumed = BoolVariable("resumed")
        let scan = WorkItem("Scan") {
            If(resumed == false) {
                resumed.set(true)
                CompletePendedPreOperation(Op.current, .successNoCallback)
            }
        }
        let watchdog = WorkItem("Watchdog") {
            If(resumed == false) {
                resumed.set(true)
                CompletePendedPreOperation(Op.current, .complete(.cancelled))
            }
        }
        PreOperation(.read) {
            If(Op.isFastIo || Op.isPaging || Op.isTopLevelIrp) {
                Return(.successNoCallback)
            }
            QueueDeferredIoWorkItem(scan) {
                QueueDeferredIoWorkItem(watchdog) {
                    Return(.pending)
                } onFailure: {
                    // The scan is queued: it alone resumes the read.
                    Return(.pending)
                }
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
