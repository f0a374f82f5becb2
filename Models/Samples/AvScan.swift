// fltcheck-expect: holds
// AvScan: the WDK avscan sample's kernel filter (filesys/miniFilter/avscan/filter): scans on open
// and on cleanup, serialized per stream, with a user-mode scanner; no FltMgr pending.
//
// Follows:
// - avscan.c AvPreCreate (l.1977-2108): skipped opens (paging files, volume opens, prefetch ...)
//   return NO_CALLBACK; everything else returns SYNCHRONIZE (l.2107) so that post-create runs at
//   PASSIVE in the creating thread (against the P10 advice; FltMgr already synchronizes creates).
// - AvPostCreate (l.2322-2708): failed or STATUS_REPARSE creates, directories, encrypted raw opens,
//   alternate streams, prefetch opens and files already known clean are not scanned; otherwise
//   AvScan and, for an infected file, AvCancelFileOpen(STATUS_VIRUS_INFECTED) (l.2689). Flags
//   (DRAINING) is not looked at.
// - AvScan (l.1472-1624): FltCancellableWaitForSingleObject on the stream's
//   ScanSynchronizationEvent (an auto-reset event: one scan per stream at a time; no timeout, but
//   the wait ends when the request is cancelled, C15), then the user-mode scan, then KeSetEvent; a
//   cancelled wait during a create cancels the open (AvCancelFileOpen, l.1617).
// - scan.c AvScanInUser (l.337-540): fails with STATUS_FLT_DELETING_OBJECT once Globals.Unloading
//   is set; FltSendMessage and the wait for the scan are both bounded by a timeout and end early on
//   an abort from AvInstanceTeardownStart or on cancel.
// - AvPreCleanup (l.2711-2909): rescans a modified file inline and always returns NO_CALLBACK (P5).
// - AvInstanceTeardownStart (l.525-634): sends an abort to the user scanner for every scan of the
//   instance (or finalizes it), empties the cache table, deletes the instance context (T3).
//   AvInstanceTeardownComplete only traces.
// - DriverEntry (l.674-844): FltRegisterFilter (l.743), the scan, abort and query server ports
//   (AvPrepareServerPort, l.772-790) and FltStartFiltering (l.803), each leaving the try block on
//   failure; the finally block (l.812-841) closes each port that was created and unregisters the
//   filter if it was registered, when the status is a failure (T13). AvSetConfiguration and the
//   security descriptor are not modelled (their failures leave before anything is registered or
//   created; the descriptor is freed on every path).
// - AvUnload (l.847-905): Globals.Unloading = TRUE, AvSendUnloadingToUser, close the three
//   communication ports, then FltUnregisterFilter (T10).
//
// Abstracted: the skip conditions and the scan verdict are nondeterministic; the user-mode scan
// (FltSendMessage, the wait for ScanCompleteNotification, the abort handshake) is one `Step()`
// followed by its outcome, since every wait in it is bounded by a timeout. One stream is modelled,
// so both creates and the cleanup share one ScanSynchronizationEvent. Not modelled: client
// connections and FltSendMessage (the three server ports are created in DriverEntry and closed
// before FltUnregisterFilter: T10, T13), ERESOURCEs,
// contexts (stream, stream-handle, section; T14), the file-state cache, transactions (KTM
// callbacks), CSVFS handling, and AvPreFsControl (l.1929-1975: FSCTL_TXFS_SAVEPOINT_INFORMATION completed with
// STATUS_NOT_SUPPORTED, the same protocol as Change's PreFsControl, left out to keep the model
// small).
//
// Exercises: C15 (the cancellable wait), P5, T3, T10, T11, T13, and Q12 (a drained post-create of a
// SYNCHRONIZE'd create runs on the teardown thread). Everything holds; fltcheck prints the advisory
// NoSyncCreate warning (P10) for AvPreCreate's SYNCHRONIZE, which does not fail the verdict.
// AvCancelFileOpen is FltCancelFileOpen, then IoStatus = the failure status with Information 0 (Q10,
// Q9). Note: AvPostCreate does not look at DRAINING, so a drained one could still scan and cancel the
// open (DrainingCleanupOnly, Q3); in this workload fltcheck finds no drained AvPostCreate (the creates
// complete inline).
import FltModel

let model = Model("AvScan", interleaving: .explicitSteps) {
    Workload {
        Requests(.create, count: 2, cancellable: true, fileSystem: .inline(.success, .objectNameNotFound))
        Requests(.cleanup)
        InstanceTeardown("AvScan")
        Unload("AvScan")
    }
    Filter("AvScan", altitude: 320_000) {
        // AvCreateCommunicationPort (avscan.c): the scan, abort and query server ports.
        let scanPort = CommunicationPort("ScanServerPort")
        let abortPort = CommunicationPort("AbortServerPort")
        let queryPort = CommunicationPort("QueryServerPort")
        // Globals.Filter != NULL, and NT_SUCCESS(status) at the finally block.
        let filterRegistered = BoolVariable("FilterRegistered")
        let started = BoolVariable("Started")
        DriverEntry {
            RegisterFilter {
                filterRegistered.set(true)
                scanPort.create {
                    abortPort.create {
                        queryPort.create {
                            StartFiltering {
                                started.set(true)
                            } onFailure: {}
                        } onFailure: {}
                    } onFailure: {}
                } onFailure: {}
            } onFailure: {}
            If(!started) {
                If(scanPort.isOpen) { scanPort.close() }
                If(abortPort.isOpen) { abortPort.close() }
                If(queryPort.isOpen) { queryPort.close() }
                If(filterRegistered) { UnregisterFilter() }
                Return(status: .insufficientResources)
            }
            Return(status: .success)
        }
        // The stream's ScanSynchronizationEvent: auto-reset, initially signalled.
        let scanEvent = BoolVariable("StreamContext.ScanSynchronizationEvent", initial: true)
        let unloading = BoolVariable("Globals.Unloading")

        PreOperation(.create) {
            Either {
                // Paging file, volume open, directory-only open ... (l.2020-2076).
                Return(.successNoCallback)
            } or: {
                Return(.synchronize)
            }
        }

        PostOperation(.create) {
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            Either {
                // A directory, an encrypted raw open, an alternate stream, a prefetch open, or a file
                // the cache already knows to be clean.
                Return(.finishedProcessing)
            } or: {
                Step()
            }
            // AvScan: FltCancellableWaitForSingleObject(ScanSynchronizationEvent, NULL, Data).
            WaitUntil(scanEvent || Op.isCancelled)
            If(scanEvent) {
                scanEvent.set(false)
                Step()
                If(unloading) {
                    // AvScanInUser fails with STATUS_FLT_DELETING_OBJECT; the file is not marked infected.
                    scanEvent.set(true)
                    Return(.finishedProcessing)
                }
                // The user-mode scan: bounded by timeouts, aborted by teardown start or cancel.
                Step()
                OneOf {
                    Branch {
                        // Clean, or the scan failed or timed out.
                        scanEvent.set(true)
                        Return(.finishedProcessing)
                    }
                    Branch {
                        // Infected: KeSetEvent, then AvCancelFileOpen(STATUS_VIRUS_INFECTED) (l.2689).
                        scanEvent.set(true)
                        CancelFileOpen()
                        SetStatus(NTStatus.virusInfected, information: 0)
                        Return(.finishedProcessing)
                    }
                }
            } else: {
                // The wait was cancelled: AvCancelFileOpen(STATUS_CANCELLED) (l.1617).
                CancelFileOpen()
                SetStatus(NTStatus.cancelled, information: 0)
                Return(.finishedProcessing)
            }
        }

        PreOperation(.cleanup) {
            Either {
                // Not modified, prefetch handle, or no stream context.
                Return(.successNoCallback)
            } or: {
                // Rescan the modified file (l.2856).
                WaitUntil(scanEvent || Op.isCancelled)
                If(scanEvent) {
                    scanEvent.set(false)
                    Step()
                    scanEvent.set(true)
                }
                // Cleanup is never failed.
                Return(.successNoCallback)
            }
        }

        InstanceTeardownStart {
            // AvSendAbortToUser for each scan of this instance; empty the cache; delete the instance
            // context. The aborted scans end at their next step.
            Step()
        }

        InstanceTeardownComplete {
            Step()
        }

        FilterUnload {
            unloading.set(true)
            // AvSendUnloadingToUser; FltCloseCommunicationPort x3 (l.880-895).
            Step()
            scanPort.close()
            abortPort.close()
            queryPort.close()
            UnregisterFilter()
        }
    }
}
