// fltcheck-expect: violated SetDirtyAfterModify
// SwapWithoutDirty breaks SetDirtyAfterModify (catalog P15): Models/SwapBufferParameters.swift
// without FltSetCallbackDataDirty after swapping the buffer, so FltMgr ignores the change and the
// file system writes from the original buffer.
import FltModel

let model = Model("SwapWithoutDirty") {
    Workload { Requests(.write, count: 2, fileSystem: .either(.success)) }
    Filter("SwapBuffers", altitude: 340_000) {
        let freed = IntVariable("freed", 0...2)
        PreOperation(.write) {
            Either {
                ModifyParameters()
                SetCompletionContext()
                Return(.successWithCallback)
            } or: {
                Return(.complete(.insufficientResources))
            }
        }
        PostOperation(.write) {
            Atomic { freed.set(freed + 1) }
            Return(.finishedProcessing)
        }
    }
}
