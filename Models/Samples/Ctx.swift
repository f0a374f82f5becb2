// fltcheck-expect: holds
// Ctx: the WDK ctx sample (filesys/miniFilter/ctx): stream, stream-handle and file contexts
// attached in post-create and updated on cleanup, close and rename; no pending.
//
// Follows:
// - operations.c CtxPreCreate (l.40-69): always WITH_CALLBACK. CtxPostCreate (l.74-402): a failed
//   create does nothing; otherwise CtxFindOrCreateStreamContext (context.c l.284-440:
//   FltGetStreamContext; on STATUS_NOT_FOUND allocate one and FltSetStreamContext(KEEP_IF_EXISTS);
//   on STATUS_FLT_CONTEXT_ALREADY_DEFINED release the new one and use the one that won the race),
//   update it under its ERESOURCE, then the stream-handle and file contexts the same way, and
//   release every reference. Flags (DRAINING) is unreferenced.
// - CtxPreCleanup (l.406-522) and CtxPreClose (l.530-645): find the stream context without creating
//   it, bump a counter under its resource, release, NO_CALLBACK.
// - CtxPreSetInfo (l.650-706): renames return SYNCHRONIZE (l.692), everything else NO_CALLBACK.
//   CtxPostSetInfo (l.711-1078): a failed rename does nothing; otherwise update the stream and
//   stream-handle context names, release. Flags unreferenced.
// - CtxInit.c CtxInstanceTeardownStart/Complete (l.951, 991) only trace; CtxUnload (l.520-555):
//   FltUnregisterFilter.
//
// Abstracted: only the stream context of one stream is modelled (the stream-handle and file
// contexts follow the same find-or-create and release pattern). The DSL has no contexts (T14 is not
// a fltcheck property), so the model counts them itself: `StreamContext.attached`, the references
// the callbacks hold (`references`) and contexts allocated but not attached (`unattached`), and
// asserts in InstanceTeardownComplete, where every callback has returned (T4), that no reference or
// unattached context is left. FltGetStreamContext, FltSetStreamContext and FltReleaseContext are
// each atomic; the model uses explicit steps, with the interleaving points between them where the
// sample drops everything (the find-or-create race) and around the resource-protected updates. Not
// modelled: ERESOURCEs, name queries, the context cleanup callback, IRQL (Q5: contexts only at <=
// APC, which holds for these post-ops: create and SYNCHRONIZE'd set-information).
//
// Exercises: T14 (the STATUS_FLT_CONTEXT_ALREADY_DEFINED race), Q12 (the drained
// post-set-information of a SYNCHRONIZE'd rename). Everything holds. Note (the catalog's candidate
// Q3 warning): drained CtxPostCreate and CtxPostSetInfo still get and set contexts; fltcheck cannot
// tell a drained post-op from a normal one except through the calls it knows (FltCompletePended*,
// queueing), so it cannot flag that.
import FltModel

let model = Model("Ctx", interleaving: .explicitSteps) {
    Workload {
        Requests(.create, count: 2, fileSystem: .inline(.success, .objectNameNotFound))
        Requests(.setInformation, fileSystem: .asynchronous(.success))
        Requests(.cleanup)
        InstanceTeardown("Ctx")
    }
    Filter("Ctx", altitude: 364_100) {
        let attached = BoolVariable("StreamContext.attached")
        let references = IntVariable("references", 0...4)
        let unattached = IntVariable("unattached", 0...2)

        // CtxFindOrCreateStreamContext(CreateIfNotFound), the update under the context's resource (a
        // step with the reference held), and FltReleaseContext.
        let findOrCreate = { (create: Bool) -> If in
            If(attached) {
                // FltGetStreamContext found it.
                references.set(references + 1)
                Step()
                Step()
                references.set(references - 1)
            } else: {
                if create {
                    // STATUS_NOT_FOUND: CtxCreateStreamContext, then FltSetStreamContext.
                    unattached.set(unattached + 1)
                    Step()
                    If(attached) {
                        // STATUS_FLT_CONTEXT_ALREADY_DEFINED: release ours, use the old one.
                        unattached.set(unattached - 1)
                        references.set(references + 1)
                    } else: {
                        unattached.set(unattached - 1)
                        attached.set(true)
                        references.set(references + 1)
                    }
                    Step()
                    Step()
                    references.set(references - 1)
                } else {
                    Step()
                }
            }
        }

        PreOperation(.create) {
            Return(.successWithCallback)
        }
        PostOperation(.create) {
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            // CreateCount++ and the name update under the context's resource.
            findOrCreate(true)
            Return(.finishedProcessing)
        }

        PreOperation(.cleanup) {
            findOrCreate(false)
            Return(.successNoCallback)
        }

        PreOperation(.setInformation) {
            Either {
                // Not a rename.
                Return(.successNoCallback)
            } or: {
                Return(.synchronize)
            }
        }
        PostOperation(.setInformation) {
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            // CtxUpdateNameInStreamContext under the resource.
            findOrCreate(false)
            Return(.finishedProcessing)
        }

        InstanceTeardownStart {
            Step()
        }
        InstanceTeardownComplete {
            Assert(references == 0, "every context reference a callback took was released (T14)")
            Assert(unattached == 0, "every context allocated and not attached was released (T14)")
        }
    }
}

