// fltcheck-expect: holds
// Change: the WDK change sample (filesys/miniFilter/change/change.c): tracks whether a file was
// modified, inside or outside a transaction, in a file context; no pending.
//
// Follows:
// - Callbacks[] (l.189-214): CREATE (pre and post), CLOSE, WRITE, SET_INFORMATION and
//   FILE_SYSTEM_CONTROL (pre only).
// - CgPreCreate (l.1105-1153): always SYNCHRONIZE (l.1152; the comment says post-create "may be at
//   DPC level", which samples issue #1249 questions: FltMgr already runs post-create at PASSIVE,
//   P10).
// - CgPostCreate (l.1157-1261): failed and STATUS_REPARSE creates pass; CgFindOrCreateFileContext
//   (failure: the create goes on untracked); a create with write access runs
//   CgProcessPreviousTransaction; release; FINISHED. Flags unreferenced.
// - CgPreOperationCallback (l.956-1056), for WRITE and SET_INFORMATION: operations that can dirty
//   the file (CgOperationsNeedDirty) set TxDirty or Dirty in the file context; always NO_CALLBACK.
// - CgPreFsControl (l.1059-1101): FSCTL_TXFS_SAVEPOINT_INFORMATION -> COMPLETE with
//   STATUS_NOT_SUPPORTED (l.1098, P4); other FSCTLs as CgPreOperationCallback.
// - CgPreClose (l.1265-1334): persist the file context; NO_CALLBACK.
// - CgInstanceTeardownStart/Complete (l.341, 375) are no-ops; CgUnload (l.471-505):
//   FltUnregisterFilter.
//
// Abstracted: one file; its file context is a flag (created in post-create, or the creation fails);
// which operations dirty the file, whether a create has write access and whether a transaction is
// involved are nondeterministic. The model uses explicit steps; the interleaving points are the
// unsynchronized Dirty/TxDirty updates (plain stores in the sample: concurrent dirtying is benign,
// since every writer stores TRUE). Not modelled: KTM transactions and CgKtmNotificationCallback,
// transaction contexts (T14), ERESOURCEs, IRQL.
//
// Exercises: P4, P10, Q12 (a drained post-create of a SYNCHRONIZE'd create runs on the teardown
// thread), T11. Everything holds; fltcheck prints the advisory NoSyncCreate warning (P10) for
// CgPreCreate's SYNCHRONIZE, which does not fail the verdict.
import FltModel

let model = Model("Change", interleaving: .explicitSteps) {
    Workload {
        Requests(.create, fileSystem: .either(.success, .sharingViolation))
        Requests(.write, synchronous: false, fileSystem: .asynchronous(.success))
        Requests(.fileSystemControl)
        Requests(.close)
        InstanceTeardown("Change")
        Unload("Change")
    }
    Filter("Change", altitude: 370_160) {
        let fileContext = BoolVariable("FileContext.exists")
        let dirty = BoolVariable("FileContext.Dirty")
        let txDirty = BoolVariable("FileContext.TxDirty")

        // CgPreOperationCallback: mark the file dirty, no post-op.
        let markDirty = { () -> If in
            If(fileContext) {
                Either {
                    // CgOperationsNeedDirty is FALSE.
                    Step()
                } or: {
                    Step()
                    Either {
                        txDirty.set(true)
                    } or: {
                        dirty.set(true)
                    }
                }
            }
        }

        PreOperation(.create) {
            Return(.synchronize)
        }
        PostOperation(.create) {
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            Either {
                // CgFindOrCreateFileContext failed: the create goes on untracked.
                Return(.finishedProcessing)
            } or: {
                fileContext.set(true)
            }
            // CgProcessPreviousTransaction for a write-access open: a step with the context held.
            Step()
            Return(.finishedProcessing)
        }

        for major in [MajorFunction.write, .setInformation] {
            PreOperation(major) {
                markDirty()
                Return(.successNoCallback)
            }
        }

        PreOperation(.fileSystemControl) {
            Either {
                // FSCTL_TXFS_SAVEPOINT_INFORMATION (l.1092-1098).
                Return(.complete(.notSupported))
            } or: {
                markDirty()
                Return(.successNoCallback)
            }
        }

        PreOperation(.close) {
            // Persist the file context in the cache (no failure path: close is never failed, P5).
            Step()
            Return(.successNoCallback)
        }

        InstanceTeardownStart {
            Step()
        }
        InstanceTeardownComplete {
            Step()
        }
        FilterUnload {
            UnregisterFilter()
        }
    }
}
