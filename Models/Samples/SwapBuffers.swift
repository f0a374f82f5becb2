// fltcheck-expect: violated Assertion
// SwapBuffers: the WDK swapBuffers sample (filesys/miniFilter/swapBuffers/swapBuffers.c): buffer
// swapping in pre-read and pre-write, copy-back in post-read, no pending in pre-ops.
//
// Follows:
// - SwapPreReadBuffers (l.779-1000): zero length or any allocation failure -> NO_CALLBACK; else
//   swap in a new buffer (and MDL for IRPs), FltSetCallbackDataDirty (l.954), WITH_CALLBACK with a
//   pre2post context (l.969).
// - SwapPostReadBuffers (l.1003-1225): FLT_ASSERT(!DRAINING) (l.1045, "this system won't drain an
//   operation with swapped buffers"); failed or empty read -> free and FINISHED; an MDL -> map it
//   (failure: STATUS_INSUFFICIENT_RESOURCES) and copy; a system buffer or fast I/O -> copy
//   directly; an arbitrary user buffer ->
//   FltDoCompletionProcessingWhenSafe(SwapPostReadBuffersWhenSafe) (l.1131), FALSE ->
//   STATUS_UNSUCCESSFUL (l.1161). SwapPostReadBuffersWhenSafe (l.1228-1346): FltLockUserBuffer +
//   map + copy, errors into IoStatus, free, FINISHED.
// - SwapPreWriteBuffers (l.1902-2165): swap and copy the caller's data; COMPLETE with
//   STATUS_INSUFFICIENT_RESOURCES when the caller's MDL cannot be mapped (l.2073) or with the
//   exception code when the copy faults (l.2105); else WITH_CALLBACK (l.2163).
// - SwapPostWriteBuffers (l.2199-2241): frees the swapped buffer and returns FINISHED, whatever
//   Flags says.
// - InstanceTeardownStart/Complete are NULL (l.278-279). SwapPreDirCtrlBuffers /
//   SwapPostDirCtrlBuffers (l.1351-1897) repeat the read protocol (same assert, l.1600) and are not
//   modelled separately.
//
// Abstracted: buffer, MDL and allocation details are nondeterministic choices (which kind of buffer
// the caller passed, whether an allocation, a mapping or a copy fails).
// FltDoCompletionProcessingWhenSafe is not in the DSL and is modelled by what it does: at IRQL <=
// APC_LEVEL (`Irql.current`; fltcheck explores the post-op at PASSIVE_LEVEL and DISPATCH_LEVEL) it
// calls the safe callback inline and returns TRUE; otherwise it posts it as a deferred I/O work
// item (TRUE, with MORE_PROCESSING_REQUIRED) whose completion FltMgr resumes with
// FltCompletePendedPostOperation; it returns FALSE when it cannot post (W1: paging I/O,
// TopLevelIrp). Not modelled: the buffer accesses themselves (Q6), FltSetCallbackDataDirty (P15),
// the volume context, unload.
//
// Exercises: Q3 (the catalog's §1.9 open question), Q5/Q7 (WhenSafe by IRQL), P4.
//
// Finding (Assertion): under the documented drain rule (I:drain, D:post: FltMgr drains every
// operation awaiting its post-op, fltcheck's default), a read the file system completes
// asynchronously can have its post-read called with FLTFL_POST_OPERATION_DRAINING when the instance
// is torn down, and the sample's FLT_ASSERT(!DRAINING) (l.1045) fails. Whether FltMgr really drains
// buffer-swapped operations is the catalog's open question; if it does, the free build copies from
// and frees the swapped buffer while the file system may still fill it, and SwapPostWriteBuffers
// (which does not look at Flags) frees a buffer the file system may still be writing from. `drain:
// .exceptSynchronized` does not help: these operations are WITH_CALLBACK, not SYNCHRONIZE.
import FltModel

let model = Model("SwapBuffers") {
    Workload {
        Requests(.read, synchronous: false, fileSystem: .either(.success, .endOfFile))
        Requests(.read, kind: .fastIo)
        Requests(.write, synchronous: false, fileSystem: .either(.success))
        InstanceTeardown("SwapBuffers")
    }
    Filter("SwapBuffers", altitude: 340_000) {
        // SwapPostReadBuffersWhenSafe, posted by FltDoCompletionProcessingWhenSafe; FltMgr resumes
        // the completion when it returns FINISHED.
        let postReadWhenSafe = WorkItem("SwapPostReadBuffersWhenSafe") {
            Either {
                Step()
            } or: {
                // FltLockUserBuffer or MmGetSystemAddressForMdlSafe failed.
                SetStatus(NTStatus.insufficientResources)
            }
            CompletePendedPostOperation(Op.current)
        }

        PreOperation(.read) {
            Either {
                // Buffer, MDL and pre2post context allocated; parameters swapped and dirtied.
                Return(.successWithCallback)
            } or: {
                // Zero length, no volume context, or an allocation failed.
                Return(.successNoCallback)
            }
        }

        PostOperation(.read) {
            Assert(!Op.isDraining, "swapBuffers.c l.1045: FLT_ASSERT(!FlagOn(Flags, FLTFL_POST_OPERATION_DRAINING))")
            If(Op.status != NTStatus.success) {
                // Nothing to copy back: free the swapped buffer.
                Return(.finishedProcessing)
            }
            If(Op.isFastIo) {
                // Fast I/O runs in the caller's context: copy directly.
                Return(.finishedProcessing)
            }
            OneOf {
                Branch {
                    // The caller's buffer has an MDL: map it and copy.
                    Either {
                        Step()
                    } or: {
                        SetStatus(NTStatus.insufficientResources)
                    }
                    Return(.finishedProcessing)
                }
                Branch {
                    // A system buffer: copy directly.
                    Return(.finishedProcessing)
                }
                Branch {
                    // An arbitrary user buffer: FltDoCompletionProcessingWhenSafe (l.1131).
                    If(Irql.current <= Irql.apc) {
                        // Already at a safe IRQL: SwapPostReadBuffersWhenSafe runs inline.
                        Either {
                            Step()
                        } or: {
                            SetStatus(NTStatus.insufficientResources)
                        }
                        Return(.finishedProcessing)
                    }
                    QueueDeferredIoWorkItem(postReadWhenSafe) {
                        Return(.moreProcessingRequired)
                    } onFailure: {
                        // WhenSafe returned FALSE.
                        SetStatus(NTStatus.unsuccessful)
                        Return(.finishedProcessing)
                    }
                }
            }
        }

        PreOperation(.write) {
            OneOf {
                Branch {
                    // Zero length or an allocation failed.
                    Return(.successNoCallback)
                }
                Branch {
                    // The caller's MDL cannot be mapped (l.2073).
                    Return(.complete(.insufficientResources))
                }
                Branch {
                    // Copying the caller's data faulted (l.2105): STATUS_ACCESS_VIOLATION.
                    Return(.complete(NTStatus(0xC000_0005)))
                }
                Branch {
                    Return(.successWithCallback)
                }
            }
        }

        PostOperation(.write) {
            // Frees the swapped buffer; Flags is not looked at.
            Return(.finishedProcessing)
        }
    }
}
