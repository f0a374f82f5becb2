// fltcheck-expect: violated Assertion
// Delete: the WDK delete sample (filesys/miniFilter/delete/delete.c): delete detection with
// SYNCHRONIZE'd post-ops and an interlocked in-flight counter for racing disposition changes.
//
// Follows:
// - DfPreCreateCallback (l.2566-2646): FILE_DELETE_ON_CLOSE and a stream context allocated ->
//   SYNCHRONIZE with the context as CompletionContext (l.2634; the routine's comment says
//   WITH_CALLBACK, samples issue #151); otherwise NO_CALLBACK.
// - DfPostCreateCallback (l.2650-2748): on a successful, non-reparse create, ASSERT(!DRAINING)
//   (l.2706), then DfGetOrSetContext and DeleteOnClose = TRUE; releases the context; FINISHED.
// - DfPreSetInfoCallback (l.2752-2860): for FileDispositionInformation(Ex), DfGetOrSetContext, then
//   InterlockedIncrement(NumOps): the first in flight returns SYNCHRONIZE (l.2846), a racing one
//   releases the context and returns NO_CALLBACK, leaving NumOps > 0 forever to flag the race.
// - DfPostSetInfoCallback (l.2865-2979): on success records SetDisp / DeleteOnClose, then
//   InterlockedDecrement(NumOps) (l.2974), whatever Flags says.
// - DfPreCleanupCallback (l.2983-3067): with a stream context and its name, SYNCHRONIZE (l.3058).
//   DfPostCleanupCallback (l.3071-3175): ASSERT(!DRAINING) (l.3120); on success, if NumOps > 0 or
//   SetDisp or DeleteOnClose and not yet notified, FltQueryInformationFile and DfProcessDelete.
// - DfInstanceTeardownStart/Complete (l.830-880) only trace.
//
// Abstracted: one stream; its stream context exists from the first DfGetOrSetContext on (the
// context allocation failing is a nondeterministic NO_CALLBACK); the disposition a set-information
// asks for is a nondeterministic choice; FltQueryInformationFile and DfProcessDelete (name and
// file-id queries, transaction notifications) are one step. The model uses explicit steps: each
// callback is one step except around the file-system queries. Not modelled: contexts and their
// cleanup callbacks (T14; the leak of samples issue #1360), KTM transactions, IRQL.
//
// Exercises: Q12 and the catalog's §1.9 open question, P2/P3 (SYNCHRONIZE needs the post-op), the
// NumOps race design.
//
// Finding (Assertion): under the documented drain rule (fltcheck's default: every operation
// awaiting its post-op is drained, I:drain, D:post, and docs issue #3067 shows a drained
// post-create), a create or cleanup still in the file system when the instance is torn down gets
// its post-op with FLTFL_POST_OPERATION_DRAINING on the teardown thread (Q12), and the sample's
// ASSERT(!DRAINING) fails. The shortest trace is the post-create (l.2706); it relies on the drained
// post-op seeing IoStatus.Status == STATUS_SUCCESS (under the default `drainedStatus:
// .operationStatus` a drained post-op sees the operation's status so far, STATUS_SUCCESS while the
// file system still holds it; the docs do not say what a drained copy carries, and the sample's
// comment at l.2701 suggests a failure, which `drainedStatus: .failureUntilCompleted` models: the
// post-create assert then holds, Models/DrainedCreateFailureStatus.swift). The
// post-cleanup assert (l.3120) is unconditional and fails the same way (create, set-information,
// then a cleanup drained while in the file system). With `drain: .exceptSynchronized`, what the
// sample assumes, every property holds.
import FltModel

let model = Model("Delete", interleaving: .explicitSteps) {
    Workload {
        Requests(.create, fileSystem: .either(.success, .objectNameNotFound))
        Requests(.setInformation, count: 2, fileSystem: .inline(.success, .accessDenied))
        Requests(.cleanup, fileSystem: .either(.success))
        InstanceTeardown("Delete")
    }
    Filter("Delete", altitude: 385_000) {
        let contextExists = BoolVariable("StreamContext.exists")
        let numOps = IntVariable("StreamContext.NumOps", 0...2)
        let setDisp = BoolVariable("StreamContext.SetDisp")
        let deleteOnClose = BoolVariable("StreamContext.DeleteOnClose")
        let isNotified = BoolVariable("StreamContext.IsNotified")

        PreOperation(.create) {
            OneOf {
                Branch {
                    // No FILE_DELETE_ON_CLOSE, or DfAllocateContext failed.
                    Return(.successNoCallback)
                }
                Branch {
                    Return(.synchronize)
                }
            }
        }
        PostOperation(.create) {
            If(Op.status == NTStatus.success) {
                Assert(!Op.isDraining, "delete.c l.2706: ASSERT(!FlagOn(Flags, FLTFL_POST_OPERATION_DRAINING))")
                // DfGetOrSetContext: the CompletionContext becomes (or yields to) the stream's context.
                contextExists.set(true)
                deleteOnClose.set(true)
            }
            Return(.finishedProcessing)
        }

        PreOperation(.setInformation) {
            Either {
                // Not a disposition change, or DfGetOrSetContext failed.
                Return(.successNoCallback)
            } or: {
                contextExists.set(true)
                numOps.set(numOps + 1)
                If(numOps > 1) {
                    // A racing change: no post-op; NumOps stays positive.
                    Return(.successNoCallback)
                }
                Return(.synchronize)
            }
        }
        PostOperation(.setInformation) {
            If(Op.status == NTStatus.success) {
                Either {
                    setDisp.set(true)
                } or: {
                    setDisp.set(false)
                }
            }
            numOps.set(numOps - 1)
            Return(.finishedProcessing)
        }

        PreOperation(.cleanup) {
            If(!contextExists) {
                Return(.successNoCallback)
            }
            Either {
                // DfGetFileNameInformation failed.
                Return(.successNoCallback)
            } or: {
                Return(.synchronize)
            }
        }
        PostOperation(.cleanup) {
            Assert(!Op.isDraining, "delete.c l.3120: ASSERT(!FlagOn(Flags, FLTFL_POST_OPERATION_DRAINING))")
            If(Op.status == NTStatus.success && (numOps > 0 || setDisp || deleteOnClose) && !isNotified) {
                // FltQueryInformationFile; STATUS_FILE_DELETED -> DfProcessDelete -> DfNotifyDelete.
                Step()
                Either {
                    isNotified.set(true)
                } or: {
                    Step()
                }
            }
            Return(.finishedProcessing)
        }

        InstanceTeardownStart {
            Step()
        }
        InstanceTeardownComplete {
            Step()
        }
    }
}
