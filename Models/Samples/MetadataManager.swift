// fltcheck-expect: holds
// MetadataManager: the WDK MetadataManager sample (filesys/miniFilter/MetadataManager): the filter
// keeps its own metadata file open on each volume, and closes and reopens it around volume locks
// and dismounts so that they can succeed.
//
// Follows:
// - DataStore.c FmmReleaseMetadataFileReferences (l.449-578) and FmmReacquireMetadataFileReferences
//   (l.580-729), under the instance context's MetadataResource: with INSTANCE_CONTEXT_F_TRANSITION
//   set they fail with STATUS_FILE_LOCK_CONFLICT; otherwise release closes the metadata file and
//   records the volume open that triggered it (MetadataOpenTriggerFileObject), and reacquire
//   reopens it for that trigger. FmmOpenMetadata / FmmCloseMetadata (l.42, 381) drop the resource
//   around the file system call with FmmBeginFileSystemOperation / FmmEndFileSystemOperation
//   (l.848-960), which set and clear TRANSITION.
// - operations.c FmmPreCreate (l.54-195): an implicit volume lock (a volume open) releases the
//   references -> WITH_CALLBACK, or COMPLETE with the failure (l.183). FmmPostCreate (l.197-366):
//   not DRAINING: a failed implicit lock reacquires, a successful one records the trigger.
// - FmmPreCleanup (l.370-395): always SYNCHRONIZE (l.394). FmmPostCleanup (l.399-530): not DRAINING
//   and a volume handle: reacquire.
// - FmmPreFSControl (l.534-632): FSCTL_LOCK_VOLUME / FSCTL_DISMOUNT_VOLUME on a volume open release
//   the references -> SYNCHRONIZE, or COMPLETE with the failure (l.594-606); FSCTL_UNLOCK_VOLUME ->
//   SYNCHRONIZE. FmmPostFSControl (l.637-885): only when not DRAINING: a successful dismount calls
//   FltDetachVolume (l.680), a failed dismount or lock reacquires, a successful lock records the
//   trigger, an unlock reacquires.
// - MetadataManagerInit.c FmmInstanceTeardownStart (l.915) only traces; FmmInstanceTeardownComplete
//   (l.955-1020) takes the resource, FLT_ASSERT(!TRANSITION), and closes the metadata file if it is
//   open (T7).
//
// Abstracted: one volume; the metadata file is a `FilterFile` (opened at instance setup), TRANSITION and
// the trigger are flags; the resource is the model's explicit steps (each callback runs in one step
// except where the sample drops the resource for FltCreateFile / FltClose, which is a `Step()`). A
// routine's status is kept in `conflict` and read in the step that set it. Not modelled:
// FltDetachVolume from the post-dismount (the DSL has no filter-initiated teardown: the workload's
// InstanceTeardown, at any step, stands in for it), FmmPreShutdown's FltDetachVolume, FmmPrePnp /
// FmmPostPnp (IRP_MJ_PNP is not in the DSL; QUERY_REMOVE / CANCEL_REMOVE follow the same release /
// reacquire protocol, and FmmPostPnp also skips it while DRAINING, l.1313), FmmPreDeviceControl,
// the implicit-lock detection, ERESOURCEs, IRQL.
//
// Exercises: Q3 (post-ops that reacquire only when not DRAINING), Q12, P4, T7 (property
// TeardownCompleteClosesFiles: the metadata file is closed when the instance is torn down, and
// never opened twice or closed twice). Everything holds.
import FltModel

let model = Model("MetadataManager", interleaving: .explicitSteps) {
    Workload {
        Requests(.create, fileSystem: .inline(.success, .accessDenied))
        Requests(.fileSystemControl, fileSystem: .either(.success, .accessDenied))
        Requests(.cleanup)
        InstanceTeardown("MetadataManager")
    }
    Filter("MetadataManager", altitude: 360_000) {
        // InstanceContext.MetadataHandle, opened at instance setup (FmmOpenMetadata).
        let metadata = FilterFile("MetadataFile", open: true)
        let transition = BoolVariable("InstanceContext.TRANSITION")
        let triggered = BoolVariable("InstanceContext.MetadataOpenTriggerFileObject")
        let conflict = BoolVariable("conflict")
        let fsctl = EnumVariable("FsControlCode", cases: ["other", "lock", "dismount", "unlock"])

        // FmmReleaseMetadataFileReferences; sets `conflict` in its last step.
        let release = { () -> If in
            If(transition) {
                conflict.set(true)
            } else: {
                If(metadata.isOpen) {
                    // FmmCloseMetadata: FmmBeginFileSystemOperation, FltClose, FmmEndFileSystemOperation.
                    transition.set(true)
                    Step()
                    transition.set(false)
                    metadata.close()
                    triggered.set(true)
                }
                conflict.set(false)
            }
        }
        // FmmReacquireMetadataFileReferences (for the trigger's volume handle).
        let reacquire = { () -> If in
            If(!transition && triggered && !metadata.isOpen) {
                // FmmOpenMetadata: the resource is dropped around FltCreateFileEx2.
                transition.set(true)
                Step()
                transition.set(false)
                Either {
                    metadata.open()
                    triggered.set(false)
                } or: {
                    // The open failed (e.g. STATUS_INSUFFICIENT_RESOURCES); it stays closed.
                    Step()
                }
            }
        }

        PreOperation(.create) {
            Either {
                // Not a volume open, or not an implicit lock.
                Return(.successNoCallback)
            } or: {
                release()
                If(conflict) {
                    Return(.complete(NTStatus(0xC000_0054)))  // STATUS_FILE_LOCK_CONFLICT
                }
                Return(.successWithCallback)
            }
        }
        PostOperation(.create) {
            If(!Op.isDraining && Op.status != NTStatus.success) {
                reacquire()
            }
            Return(.finishedProcessing)
        }

        PreOperation(.fileSystemControl) {
            OneOf {
                Branch {
                    fsctl.set("other")
                    Return(.successNoCallback)
                }
                Branch {
                    fsctl.set("lock")
                }
                Branch {
                    fsctl.set("dismount")
                }
                Branch {
                    fsctl.set("unlock")
                    Return(.synchronize)
                }
            }
            release()
            If(conflict) {
                Return(.complete(NTStatus(0xC000_0054)))  // STATUS_FILE_LOCK_CONFLICT
            }
            Return(.synchronize)
        }
        PostOperation(.fileSystemControl) {
            If(!Op.isDraining) {
                If(fsctl.is("dismount") && Op.status == NTStatus.success) {
                    // FltDetachVolume (l.680): not modelled; the workload's teardown stands in.
                    Step()
                } else: {
                    If(fsctl.is("unlock") || Op.status != NTStatus.success) {
                        reacquire()
                    }
                }
            }
            Return(.finishedProcessing)
        }

        PreOperation(.cleanup) {
            Return(.synchronize)
        }
        PostOperation(.cleanup) {
            If(!Op.isDraining && Op.status == NTStatus.success) {
                Either {
                    // Not a volume handle.
                    Step()
                } or: {
                    reacquire()
                }
            }
            Return(.finishedProcessing)
        }

        InstanceTeardownStart {
            Step()
        }
        InstanceTeardownComplete {
            Assert(!transition, "MetadataManagerInit.c l.1004: FLT_ASSERT(!FlagOn(Flags, INSTANCE_CONTEXT_F_TRANSITION))")
            If(metadata.isOpen) {
                // FmmCloseMetadata (l.1013).
                transition.set(true)
                Step()
                transition.set(false)
                metadata.close()
            }
        }
    }
}
