// fltcheck-expect: holds
// CheckThenActFixed: Models/Bugs/WatchdogDoubleResume.swift with its race fixed. The "Scan" worker
// and the "Watchdog" both want to resume the pended read; each claims the right to resume it with
// an interlocked compare-exchange on the read's `resumed` flag,
//
//     if (InterlockedCompareExchange(&ctx->Resumed, TRUE, FALSE) == FALSE) { FltCompletePendedPreOperation(...); }
//
// (an `Atomic` check-and-set here, recording who won), so exactly one of them calls
// FltCompletePendedPreOperation (R2) and the read is always resumed (R1). Every property holds.
import FltModel

let model = Model("CheckThenActFixed") {
    Workload {
        Requests(.read, count: 1, synchronous: false, fileSystem: .either(.success, .endOfFile))
        Requests(.read, count: 1, paging: true)
    }
    Filter("Scanner", altitude: 320_000) {
        // One pended read at most (the paging read is never pended), so one set of flags stands for
        // its context.
        let resumed = BoolVariable("resumed")
        let scanWon = BoolVariable("scanWon")
        let watchdogWon = BoolVariable("watchdogWon")
        let scan = WorkItem("Scan") {
            Atomic {
                If(resumed == false) {
                    resumed.set(true)
                    scanWon.set(true)
                }
            }
            If(scanWon) {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            }
        }
        let watchdog = WorkItem("Watchdog") {
            Atomic {
                If(resumed == false) {
                    resumed.set(true)
                    watchdogWon.set(true)
                }
            }
            If(watchdogWon) {
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
