// fltcheck-expect: holds
// Scanner: the WDK scanner sample's kernel filter (filesys/miniFilter/scanner/filter/scanner.c): a
// user-mode scan through FltSendMessage on open, write and cleanup; no pending, no teardown
// callbacks.
//
// Follows:
// - ScannerPreCreate (l.1010-1062): the scanner's own process passes with NO_CALLBACK; every other
//   create returns WITH_CALLBACK (l.1061).
// - ScannerPostCreate (l.1113-1225): failed and STATUS_REPARSE creates pass; files whose extension
//   is not scanned pass; otherwise ScannerpScanFileInUserMode (FltSendMessage, no timeout) and, if
//   not safe, FltCancelFileOpen + STATUS_ACCESS_DENIED (l.1216); a safe file opened for write gets
//   a stream-handle context with RescanRequired. Flags (DRAINING) is unreferenced.
// - ScannerPreCleanup (l.1273-1330): rescans when RescanRequired and always returns NO_CALLBACK, so
//   cleanup is never failed (P5).
// - ScannerPreWrite (l.1335-1545): no client port or no context -> NO_CALLBACK; otherwise send the
//   data to user mode; COMPLETE with STATUS_INSUFFICIENT_RESOURCES or the exception code when the
//   buffer cannot be mapped, allocated or copied (l.1425-1475); an unsafe write is completed with
//   STATUS_ACCESS_DENIED unless it is paging I/O (l.1521-1527).
// - ScannerPreFileSystemControl (l.1550-1640): FSCTL_OFFLOAD_WRITE on a scanned handle is completed
//   with STATUS_ACCESS_DENIED (l.1633).
// - DriverEntry (l.216-337): FltRegisterFilter, whose failure is returned (l.256-263); the server
//   port (FltBuildDefaultSecurityDescriptor + FltCreateCommunicationPort, l.290-300, one failure
//   here); FltStartFiltering (l.321), whose failure closes the port (l.328); after any failure past
//   the registration, FltUnregisterFilter (l.334) and the status is returned (l.336) (T13).
// - InstanceTeardownStart/Complete are NULL (l.202-203). ScannerUnload (l.880-916): close the
//   server port, then FltUnregisterFilter (T10).
//
// Abstracted: the user-mode verdict, whether the scanner is connected, whether the handle has a
// context, and allocation failures are nondeterministic; FltSendMessage is a `Step()` before the
// verdict. The callbacks share no state, so the model uses explicit steps: other threads run at
// those `Step()`s and between callbacks. Not modelled: client connections to the port, FltSendMessage's wait
// (it has no timeout: a hung scanner hangs the I/O, by design), stream-handle contexts (T14), name
// queries, IRQL. FltCancelFileOpen itself is left out (the unsafe path sets IoStatus =
// STATUS_ACCESS_DENIED with Information 0, as l.1218-1219 do): see the note below.
//
// Exercises: P4, P5, T10, T11, T13 and the drain of a post-create (an asynchronous create at unload).
// Everything holds. Note (the catalog's candidate Q3 warning): ScannerPostCreate ignores DRAINING, so
// the drained post-create of a create still in the file system at unload sees STATUS_SUCCESS (the
// default `drainedStatus: .operationStatus`), scans, and may call FltCancelFileOpen. With
// `CancelFileOpen()` added at l.1216 fltcheck reports exactly that as DrainingCleanupOnly (Q3), and
// under `drainedStatus: .failureUntilCompleted` the status check skips it and everything holds: the
// verdict hangs on what a drained copy's status is, which the docs leave open (catalog §1.9), so the
// call is left out here.
import FltModel

let model = Model("Scanner", interleaving: .explicitSteps) {
    Workload {
        Requests(.create, synchronous: false, fileSystem: .either(.success, .accessDenied))
        Requests(.write)
        Requests(.write, paging: true)
        Requests(.cleanup)
        Requests(.fileSystemControl)
        Unload("Scanner")
    }
    Filter("Scanner", altitude: 265_000) {
        let serverPort = CommunicationPort("ServerPort")
        DriverEntry {
            RegisterFilter {
                serverPort.create {
                    StartFiltering {
                        Return(status: .success)
                    } onFailure: {
                        serverPort.close()
                        UnregisterFilter()
                        Return(status: .insufficientResources)
                    }
                } onFailure: {
                    UnregisterFilter()
                    Return(status: .insufficientResources)
                }
            } onFailure: {
                Return(status: .insufficientResources)
            }
        }
        PreOperation(.create) {
            Either {
                // The scanner service's own process.
                Return(.successNoCallback)
            } or: {
                Return(.successWithCallback)
            }
        }

        PostOperation(.create) {
            If(Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            Either {
                // Name query failed, or an extension that is not scanned.
                Return(.finishedProcessing)
            } or: {
                // ScannerpScanFileInUserMode: FltSendMessage and wait for the reply.
                Step()
                Either {
                    // Safe (or no scanner connected): maybe a stream-handle context for rescans.
                    Return(.finishedProcessing)
                } or: {
                    // FltCancelFileOpen; IoStatus = STATUS_ACCESS_DENIED (l.1216).
                    SetStatus(NTStatus.accessDenied, information: 0)
                    Return(.finishedProcessing)
                }
            }
        }

        PreOperation(.cleanup) {
            Either {
                // RescanRequired: scan again, whatever the verdict, cleanup goes on.
                Step()
            } or: {
                Step()
            }
            Return(.successNoCallback)
        }

        PreOperation(.write) {
            Either {
                // No client port, or no stream-handle context on this handle.
                Return(.successNoCallback)
            } or: {
                Step()
            }
            OneOf {
                Branch {
                    // The MDL cannot be mapped, or the notification cannot be allocated.
                    Return(.complete(.insufficientResources))
                }
                Branch {
                    // FltSendMessage; the scanner says the data is safe.
                    Step()
                    Return(.successNoCallback)
                }
                Branch {
                    // The scanner found foul language.
                    Step()
                    If(Op.isPaging) {
                        // Paging writes are never blocked (l.1521).
                        Return(.successNoCallback)
                    }
                    Return(.complete(.accessDenied))
                }
            }
        }

        PreOperation(.fileSystemControl) {
            Either {
                // FSCTL_OFFLOAD_WRITE on a scanned handle (l.1625-1633).
                Return(.complete(.accessDenied))
            } or: {
                Return(.successNoCallback)
            }
        }

        FilterUnload {
            // FltCloseCommunicationPort(ServerPort), then FltUnregisterFilter (l.909-915).
            serverPort.close()
            UnregisterFilter()
        }
    }
}
