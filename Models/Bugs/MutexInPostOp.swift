// fltcheck-expect: violated PostOpDispatchSafe
// MutexInPostOp breaks PostOpDispatchSafe (catalog Q5): the post-read updates statistics under a
// FAST_MUTEX. A post-op that is not synchronized may be called at DISPATCH_LEVEL in an arbitrary
// thread (the file system completes this read from its own thread), where acquiring a mutex bug
// checks (IRQL_NOT_LESS_OR_EQUAL). Use a spin lock, or SYNCHRONIZE, or FltDoCompletionProcessingWhenSafe.
import FltModel
let model = Model("MutexInPostOp") {
    Workload { Requests(.read, fileSystem: .asynchronous(.success)) }
    Filter("Stats", altitude: 10) {
        let statsLock = Lock("StatsLock", .fastMutex)
        let reads = IntVariable("reads", 0...1)
        PreOperation(.read) { Return(.successWithCallback) }
        PostOperation(.read) {
            statsLock.acquire()
            reads.set(1)
            statsLock.release()
            Return(.finishedProcessing)
        }
    }
}
