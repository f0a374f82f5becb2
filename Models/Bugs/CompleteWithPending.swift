// fltcheck-expect: violated CompleteStatusFinal
// CompleteStatusFinal (catalog P4): with FLT_PREOP_COMPLETE the status must be final, never
// STATUS_PENDING or STATUS_FLT_DISALLOW_FAST_IO.
//
// The mistake: PreSetInformation guards renames by asking a policy helper, and "passes on the
// helper's status" when it is not STATUS_SUCCESS:
//
//     status = PolicyCheckRename(Data);
//     if (status != STATUS_SUCCESS) { Data->IoStatus.Status = status; return FLT_PREOP_COMPLETE; }
//
// The helper, though, can return STATUS_PENDING when its cache misses and it has posted the lookup,
// so the rename is completed with STATUS_PENDING: the I/O manager waits for a completion that never
// comes.
import FltModel

let model = Model("CompleteWithPending") {
    Workload {
        Requests(.setInformation, count: 1)
        Requests(.create, count: 1)
    }
    Filter("RenameGuard", altitude: 330_000) {
        PreOperation(.create) {
            Return(.successNoCallback)
        }
        PreOperation(.setInformation) {
            OneOf {
                Branch {
                    // Allowed.
                    Return(.successNoCallback)
                }
                Branch {
                    // Denied by policy.
                    Return(.complete(.accessDenied))
                }
                Branch {
                    // The helper posted the lookup. BUG: its STATUS_PENDING is passed on.
                    Return(.complete(.pending))
                }
            }
        }
    }
}
