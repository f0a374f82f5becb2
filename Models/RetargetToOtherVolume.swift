// fltcheck-expect: holds
// RetargetToOtherVolume: a redirector's pre-create sends opens of its mapped files to its own
// instance on another volume (I:modify: a new TargetInstance of the same filter at the same
// altitude), with FltSetCallbackDataDirty so FltMgr takes the change (P15), and lets the operation
// go on; creates it does not redirect but refuses are completed without touching the target (P16).
// fltcheck has one volume: the retargeted operation goes down the same stack below the filter.
import FltModel

let model = Model("RetargetToOtherVolume") {
    Workload { Requests(.create, count: 2, fileSystem: .either(.success, .objectNameNotFound)) }
    Filter("Redirector", altitude: 370_000) {
        PreOperation(.create) {
            OneOf {
                Branch {
                    // Not a mapped path.
                    Return(.successNoCallback)
                }
                Branch {
                    // A mapped path: redirect it.
                    Retarget()
                    SetCallbackDataDirty()
                    Return(.successNoCallback)
                }
                Branch {
                    // A path the policy denies: complete it here, target untouched.
                    Return(.complete(.accessDenied))
                }
            }
        }
    }
    Filter("Lower", altitude: 100_000) {
        PreOperation(.create) { Return(.successNoCallback) }
    }
}
