// fltcheck-expect: violated ModelIntegrity
// ModelIntegrity (no catalog id: the model's own declarations): an integer variable leaves its
// declared range.
//
// The mistake: the filter counts outstanding non-paging reads (to wait for them at teardown).
// PreRead increments the counter only for non-paging reads, but asks for the post-read of every
// read, and PostRead decrements it unconditionally. A paging read that completes while no other read
// is counted drives the counter below zero (in C, a ULONG wraps to 0xFFFFFFFF and teardown waits
// forever).
import FltModel

let model = Model("UnbalancedCounter") {
    Workload {
        Requests(.read, count: 1)
        Requests(.read, count: 1, paging: true)
    }
    Filter("ReadCounter", altitude: 327_000) {
        let outstanding = IntVariable("outstanding", 0...4)
        PreOperation(.read) {
            If(!Op.isPaging) {
                Atomic {
                    outstanding.set(outstanding + 1)
                }
            }
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            // BUG: decremented for paging reads too, which were never counted.
            Atomic {
                outstanding.set(outstanding - 1)
            }
            Return(.finishedProcessing)
        }
    }
}
