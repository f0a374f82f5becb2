// fltcheck-expect: holds
// DisabledWithReason: a test harness model that switches off a property that does not apply to it,
// with the reason written down (a model can switch a property off only so): the report lists the
// property as disabled and repeats the reason. Everything else holds.
import FltModel

let model = Model(
    "DisabledWithReason",
    disabling: [Disable("PendOnlyIrp", because: "the harness replays fast I/O as IRPs before it reaches FltMgr")]
) {
    Workload { Requests(.read, kind: .fastIo) }
    Filter("Harness", altitude: 10) {
        PreOperation(.read) {
            Return(.successNoCallback)
        }
    }
}
