// fltcheck-expect: holds
// SwapBuffersUserBuffer: the swapBuffers post-read copy-back with the caller's buffer modelled (Q6,
// I:bufpost; swapBuffers.c SwapPostReadBuffers l.1003-1225, SwapPostReadBuffersWhenSafe
// l.1228-1346). The post-read copies the data the file system read into the caller's buffer:
// - through the MDL when the buffer has one (MmGetSystemAddressForMdlSafe works at DISPATCH_LEVEL),
// - directly when it is a system buffer (buffered I/O: nonpaged, locked down) or the read is fast
//   I/O (its post-op runs in the caller's thread below DISPATCH_LEVEL),
// - and otherwise, a user buffer without an MDL, through FltDoCompletionProcessingWhenSafe
//   (l.1131): the safe callback runs at once at IRQL <= APC_LEVEL, or on a worker thread after the
//   post-read returned MORE_PROCESSING_REQUIRED; it locks the buffer with FltLockUserBuffer (which
//   may fail: the read then fails with its status, l.1273-1288) and copies through the new MDL.
//   When WhenSafe returns FALSE (it cannot post) the read fails with STATUS_UNSUCCESSFUL (l.1161).
// A drained post-read only cleans up (Q3, Q4). fltcheck explores each kind of buffer the caller may
// pass (the `buffers:` below are the default, listed for the reader), the post-read at PASSIVE_LEVEL
// and DISPATCH_LEVEL, in the caller's thread and in the file system's, and both results of
// FltLockUserBuffer: every access goes through an MDL, a system buffer, or the caller's own thread.
// Abstracted: the buffer swap of the pre-read (see Samples/SwapBuffers.swift), the mapping failure
// of MmGetSystemAddressForMdlSafe, the copy itself.
import FltModel

let model = Model("SwapBuffersUserBuffer") {
    Workload {
        Requests(.read, synchronous: false, fileSystem: .either(.success), buffers: [.system, .userWithMdl, .userWithoutMdl])
        Requests(.read, kind: .fastIo)
        InstanceTeardown("SwapBuffers")
    }
    Filter("SwapBuffers", altitude: 340_000) {
        // SwapPostReadBuffersWhenSafe: lock, then copy through the MDL.
        let copyWhenSafe = SafePostCallback("SwapPostReadBuffersWhenSafe") {
            LockUserBuffer {
                AccessBuffer()
            } onFailure: {
                SetStatus(NTStatus.insufficientResources, information: 0)
            }
            Return(.finishedProcessing)
        }

        PreOperation(.read) { Return(.successWithCallback) }

        PostOperation(.read) {
            If(Op.isDraining) {
                // Only clean up (Q3); never WhenSafe while draining (Q4).
                Return(.finishedProcessing)
            }
            If(Op.hasMdl || Op.isSystemBuffer || Op.isFastIo) {
                // l.1085-1124: map the MDL and copy, or copy directly.
                AccessBuffer()
                Return(.finishedProcessing)
            }
            // A user buffer without an MDL: l.1131.
            DoCompletionProcessingWhenSafe(copyWhenSafe) {
                SetStatus(NTStatus.unsuccessful, information: 0)
                Return(.finishedProcessing)
            }
        }
    }
}
