// fltcheck-expect: violated NoWhenSafeWhileDraining
// WhenSafeWhileDraining breaks NoWhenSafeWhileDraining (catalog Q4): Models/WhenSafeCopy.swift without
// its DRAINING check, so a read drained at instance teardown calls FltDoCompletionProcessingWhenSafe
// (the swapBuffers sample asserts this never happens, swapBuffers.c ~l.1045).
import FltModel

let model = Model("WhenSafeWhileDraining") {
    Workload {
        Requests(.read, count: 2, fileSystem: .either(.success))
        InstanceTeardown("SwapBuffers")
    }
    Filter("SwapBuffers", altitude: 340_000) {
        let copies = IntVariable("copies", 0...2)
        let copyBack = SafePostCallback("SwapPostReadBuffersWhenSafe") {
            Atomic { copies.set(copies + 1) }
            Return(.finishedProcessing)
        }
        PreOperation(.read) { Return(.successWithCallback) }
        PostOperation(.read) {
            DoCompletionProcessingWhenSafe(copyBack) {
                SetStatus(NTStatus.unsuccessful, information: 0)
                Return(.finishedProcessing)
            }
        }
    }
}
