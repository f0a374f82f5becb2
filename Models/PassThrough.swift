// fltcheck-expect: holds
// PassThrough: the WDK passThrough sample's protocol logic (filesys/miniFilter/passThrough,
// PtPreOperationPassThrough / PtPostOperationPassThrough): every pre-op asks for its post-op, every
// post-op finishes. The null model: every property must hold.
import FltModel

let model = Model("PassThrough") {
    Workload {
        Requests(.create, count: 1)
        Requests(.read, count: 2, synchronous: false, fileSystem: .either(.success, .endOfFile))
        Requests(.read, count: 1, kind: .fastIo)
    }
    Filter("PassThrough", altitude: 370_000) {
        for major in [MajorFunction.create, .read] {
            PreOperation(major) {
                Return(.successWithCallback)
            }
            PostOperation(major) {
                Return(.finishedProcessing)
            }
        }
    }
}
