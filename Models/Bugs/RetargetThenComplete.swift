// fltcheck-expect: violated NoRetargetThenComplete
// RetargetThenComplete breaks NoRetargetThenComplete (catalog P16): Models/RetargetToOtherVolume.swift
// where the redirector changes the target of a mapped open first and only then checks its policy,
// completing the create with STATUS_ACCESS_DENIED after having retargeted it. Filter Verifier reports
// an operation whose TargetInstance/TargetFileObject was changed and that the filter then completed.
import FltModel

let model = Model("RetargetThenComplete") {
    Workload { Requests(.create, fileSystem: .either(.success, .objectNameNotFound)) }
    Filter("Redirector", altitude: 370_000) {
        PreOperation(.create) {
            Either {
                Return(.successNoCallback)
            } or: {
                Retarget()
                SetCallbackDataDirty()
                Either {
                    Return(.successNoCallback)
                } or: {
                    // The policy check comes too late.
                    Return(.complete(.accessDenied))
                }
            }
        }
    }
}
