// fltcheck-expect: violated Assertion
// SwapBuffers: the WDK swapBuffers sample (filesys/miniFilter/swapBuffers/swapBuffers.c): buffer
// swapping in pre-read and pre-write, copy-back in post-read (through
// FltDoCompletionProcessingWhenSafe for a user buffer without an MDL), no pending in pre-ops.
//
// Follows:
// - SwapPreReadBuffers (l.779-1000): zero length, FltGetVolumeContext failing, or the buffer, MDL
//   (IRPs only) or pre2post context allocation failing -> NO_CALLBACK, releasing the volume context
//   if it was got (the finally block, l.975-998); else swap ReadBuffer and MdlAddress,
//   FltSetCallbackDataDirty (l.954), *CompletionContext = p2pCtx (holding the volume context), and
//   WITH_CALLBACK (l.969).
// - SwapPostReadBuffers (l.1003-1225): FLT_ASSERT(!DRAINING) (l.1045, "this system won't drain an
//   operation with swapped buffers"); failed or empty read -> nothing to copy; an MDL -> map it
//   (failure: IoStatus STATUS_INSUFFICIENT_RESOURCES, l.1104) and copy; a system buffer or fast I/O
//   -> copy directly; an arbitrary user buffer ->
//   FltDoCompletionProcessingWhenSafe(SwapPostReadBuffersWhenSafe, &retValue) (l.1131): TRUE, the
//   safe callback frees (cleanupAllocatedBuffer = FALSE) and the post-op returns retValue; FALSE ->
//   IoStatus STATUS_UNSUCCESSFUL (l.1161). Everything else frees the buffer and releases the volume
//   context (the finally block, l.1205-1222), then FINISHED.
// - SwapPostReadBuffersWhenSafe (l.1228-1346): FltLockUserBuffer (failure: its status into
//   IoStatus), map (failure: STATUS_INSUFFICIENT_RESOURCES), copy; free, FltReleaseContext, FINISHED.
// - SwapPreWriteBuffers (l.1902-2165): the same allocations as pre-read (NO_CALLBACK on failure);
//   COMPLETE with STATUS_INSUFFICIENT_RESOURCES when the caller's MDL cannot be mapped (l.2071-2073)
//   or with the exception code when the copy of the caller's data faults (l.2103-2105); else swap,
//   FltSetCallbackDataDirty (l.2148) and WITH_CALLBACK (l.2163).
// - SwapPostWriteBuffers (l.2199-2241): frees the swapped buffer, FltReleaseContext, FINISHED,
//   whatever Flags says.
// - InstanceTeardownStart/Complete are NULL (l.278-279). SwapPreDirCtrlBuffers /
//   SwapPostDirCtrlBuffers / SwapPostDirCtrlBuffersWhenSafe (l.1351-1897) repeat the read protocol
//   (same assert, l.1600; WhenSafe at l.1679) and are not modelled separately.
//
// Abstracted: buffers and MDLs are not modelled here; which kind of buffer the caller passed and
// whether an allocation, a mapping, FltLockUserBuffer or a copy fails are nondeterministic choices.
// (Models/SwapBuffersUserBuffer.swift checks the post-read's Q6 protocol with the buffer modelled:
// `buffers:`, AccessBuffer(), LockUserBuffer. Done here, it doubles this model's state space,
// 60,676 to 122,667 states, for the same verdict.) The
// volume context is a counted `Context` (T14): got in the pre-op, released by whoever frees the
// pre2post context. `ModifyParameters()` stands for the swap of ReadBuffer/WriteBuffer and
// MdlAddress (P15). What a pre-op does before it returns touches only its own operation and the
// volume context's count, so each branch is one `Atomic` step. FltLockUserBuffer's failure status
// is STATUS_INSUFFICIENT_RESOURCES. FltDoCompletionProcessingWhenSafe is fltcheck's (D:safe): inline at IRQL <=
// APC_LEVEL, posted to a worker at DISPATCH_LEVEL (the post-op is explored at both), FALSE when it
// cannot post. Not modelled: the volume context's setup (InstanceSetup) and cleanup callback, unload.
//
// Exercises: Q3 (the catalog's §1.9 open question), Q5/Q7/Q8 (WhenSafe by IRQL, its TRUE/FALSE
// contract, the safe callback finishing the completion), P2, P4, P14 (IoStatus written only before
// COMPLETE or FINISHED), P15, T14.
//
// Finding (Assertion): under the documented drain rule (I:drain, D:post: FltMgr drains every
// operation awaiting its post-op, fltcheck's default), a read the file system completes
// asynchronously can have its post-read called with FLTFL_POST_OPERATION_DRAINING when the instance
// is torn down, and the sample's FLT_ASSERT(!DRAINING) (l.1045) fails. Whether FltMgr really drains
// buffer-swapped operations is the catalog's open question; if it does, the free build copies from
// and frees the swapped buffer while the file system may still fill it, and SwapPostWriteBuffers
// (which does not look at Flags) frees a buffer the file system may still be writing from; with the
// assertion compiled out, a drained post-read of a user buffer without an MDL calls
// FltDoCompletionProcessingWhenSafe while draining (NoWhenSafeWhileDraining, Q4: fltcheck reports
// that when the Assert line is removed). `drain: .exceptSynchronized` does not help: these
// operations are WITH_CALLBACK, not SYNCHRONIZE.
import FltModel

let model = Model("SwapBuffers") {
    Workload {
        Requests(.read, synchronous: false, fileSystem: .either(.success, .endOfFile))
        Requests(.read, kind: .fastIo)
        Requests(.write, synchronous: false, fileSystem: .either(.success))
        InstanceTeardown("SwapBuffers")
    }
    Filter("SwapBuffers", altitude: 340_000) {
        let volumeContext = Context("VolumeContext")

        // SwapPostReadBuffersWhenSafe (l.1228-1346).
        let postReadWhenSafe = SafePostCallback("SwapPostReadBuffersWhenSafe") {
            Either {
                // FltLockUserBuffer (its failure status into IoStatus, l.1273-1288) or
                // MmGetSystemAddressForMdlSafe (STATUS_INSUFFICIENT_RESOURCES, l.1310) failed.
                SetStatus(NTStatus.insufficientResources, information: 0)
            } or: {
                // RtlCopyMemory into the locked user buffer.
                Step()
            }
            // FltFreePoolAlignedWithTag, FltReleaseContext(p2pCtx->VolCtx), free p2pCtx.
            volumeContext.release()
            Return(.finishedProcessing)
        }

        PreOperation(.read) {
            OneOf {
                Branch {
                    // readLen == 0 (l.826), or FltGetVolumeContext failed (l.836-846).
                    Return(.successNoCallback)
                }
                Branch {
                    // FltGetVolumeContext, then FltAllocatePoolAlignedWithTag, IoAllocateMdl (IRPs)
                    // or the lookaside list failed: the finally block releases it (l.994).
                    Atomic {
                        volumeContext.get()
                        volumeContext.release()
                    }
                    Return(.successNoCallback)
                }
                Branch {
                    // FltGetVolumeContext; ReadBuffer and MdlAddress swapped, FltSetCallbackDataDirty
                    // (l.954); *CompletionContext = p2pCtx (l.965).
                    Atomic {
                        volumeContext.get()
                        ModifyParameters()
                        SetCallbackDataDirty()
                        SetCompletionContext()
                    }
                    Return(.successWithCallback)
                }
            }
        }

        PostOperation(.read) {
            Assert(!Op.isDraining, "swapBuffers.c l.1045: FLT_ASSERT(!FlagOn(Flags, FLTFL_POST_OPERATION_DRAINING))")
            If(Op.status != NTStatus.success) {
                // No data read: nothing to copy back (l.1052).
                volumeContext.release()
                Return(.finishedProcessing)
            }
            If(Op.isFastIo) {
                // Fast I/O runs in the caller's context: copy directly (l.1115-1124).
                volumeContext.release()
                Return(.finishedProcessing)
            }
            OneOf {
                Branch {
                    // The caller's buffer has an MDL: map it and copy (l.1085-1108); the mapping may
                    // fail (l.1104).
                    Either {
                        volumeContext.release()
                    } or: {
                        Atomic {
                            SetStatus(NTStatus.insufficientResources, information: 0)
                            volumeContext.release()
                        }
                    }
                    Return(.finishedProcessing)
                }
                Branch {
                    // A system buffer: copy directly (l.1115-1124).
                    volumeContext.release()
                    Return(.finishedProcessing)
                }
                Branch {
                    // An arbitrary user buffer: l.1131. TRUE: the safe callback frees, and the
                    // post-op returns what it set in retValue.
                    DoCompletionProcessingWhenSafe(postReadWhenSafe) {
                        // FALSE: fail the read (l.1161), then the finally block frees.
                        Atomic {
                            SetStatus(NTStatus.unsuccessful, information: 0)
                            volumeContext.release()
                        }
                        Return(.finishedProcessing)
                    }
                }
            }
        }

        PreOperation(.write) {
            OneOf {
                Branch {
                    // writeLen == 0, or FltGetVolumeContext failed.
                    Return(.successNoCallback)
                }
                Branch {
                    // An allocation failed: the finally block releases (l.2155-2190).
                    Atomic {
                        volumeContext.get()
                        volumeContext.release()
                    }
                    Return(.successNoCallback)
                }
                Branch {
                    // The caller's MDL cannot be mapped (l.2071-2073).
                    Atomic {
                        volumeContext.get()
                        volumeContext.release()
                    }
                    Return(.complete(.insufficientResources))
                }
                Branch {
                    // Copying the caller's data faulted (l.2103-2105): STATUS_ACCESS_VIOLATION.
                    Atomic {
                        volumeContext.get()
                        volumeContext.release()
                    }
                    Return(.complete(NTStatus(0xC000_0005)))
                }
                Branch {
                    // WriteBuffer and MdlAddress swapped, FltSetCallbackDataDirty (l.2148).
                    Atomic {
                        volumeContext.get()
                        ModifyParameters()
                        SetCallbackDataDirty()
                        SetCompletionContext()
                    }
                    Return(.successWithCallback)
                }
            }
        }

        PostOperation(.write) {
            // Frees the swapped buffer and releases the volume context; Flags is not looked at.
            volumeContext.release()
            Return(.finishedProcessing)
        }
    }
}
