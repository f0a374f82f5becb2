// fltcheck-expect: holds
// SynchronizeAndComplete: the pre-op statuses the bug models get wrong, used correctly.
//   - PreWrite returns FLT_PREOP_SYNCHRONIZE only for synchronous IRP writes (P11: never for
//     asynchronous ones, which get SUCCESS_WITH_CALLBACK), and a PostWrite is registered for both
//     (P3, Models/Bugs/CallbackWithoutPostOp.swift).
//   - FLT_PREOP_DISALLOW_FASTIO only under `If(Op.isFastIo)` (P7, Models/Bugs/DisallowFastIoOnIrp.swift).
//   - FLT_PREOP_COMPLETE only with a final status: a write the protection policy denies fails with
//     STATUS_ACCESS_DENIED (P4, Models/Bugs/CompleteWithPending.swift).
//   - PreCleanup never fails cleanup of a file that still needs a scan; it lets it through and
//     scans in the post-cleanup instead (P5, Models/Bugs/FailCleanupDuringScan.swift).
// A pass-through filter above checks that it still gets its post-ops when the one below completes
// (P6). Every property holds.
import FltModel

let model = Model("SynchronizeAndComplete") {
    Workload {
        Requests(.write, count: 1, fileSystem: .either(.success, .accessDenied))
        Requests(.write, count: 1, synchronous: false)
        Requests(.write, count: 1, kind: .fastIo)
        Requests(.cleanup, count: 1)
    }
    Filter("Audit", altitude: 385_000) {
        PreOperation(.write) {
            Return(.successWithCallback)
        }
        PostOperation(.write) {
            Return(.finishedProcessing)
        }
    }
    Filter("WriteGuard", altitude: 360_100) {
        let needsScan = BoolVariable("needsScan")
        PreOperation(.write) {
            If(Op.isFastIo) {
                Return(.disallowFastIo)
            }
            Either {
                // The write-protection policy denies the write: complete it with a final status.
                Return(.complete(.accessDenied))
            } or: {
                If(Op.isSynchronous) {
                    Return(.synchronize)
                }
                Return(.successWithCallback)
            }
        }
        PostOperation(.write) {
            If(Op.status == NTStatus.success) {
                // The file changed: scan it when its last handle is cleaned up.
                needsScan.set(true)
            }
            Return(.finishedProcessing)
        }
        PreOperation(.cleanup) {
            If(needsScan) {
                // Never fail cleanup (P5): let it through and scan in the post-cleanup.
                Return(.successWithCallback)
            }
            Return(.successNoCallback)
        }
        PostOperation(.cleanup) {
            needsScan.set(false)
            Return(.finishedProcessing)
        }
    }
}
