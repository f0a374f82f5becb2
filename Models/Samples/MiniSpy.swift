// fltcheck-expect: holds
// MiniSpy: the WDK minispy sample's kernel filter (filesys/miniFilter/minispy/filter): a logger
// that passes every operation through with a log record as completion context.
//
// Follows:
// - minispy.c SpyPreOperationCallback (l.593-905): SpyNewRecord (mspyLib.c l.218; SpyAllocateBuffer
//   l.110-160: under the MaxRecordsToAllocate cap, InterlockedIncrement(RecordsAllocated) and a
//   lookaside allocation); no record -> NO_CALLBACK; IRP_MJ_SHUTDOWN, which can have no post-op
//   (RegistrationData.c l.117-120, P3), calls SpyPostOperationCallback inline (l.892) and returns
//   NO_CALLBACK (l.885-897); everything else returns WITH_CALLBACK with the record as
//   CompletionContext (l.902).
// - SpyPostOperationCallback (l.911-1000): DRAINING -> SpyFreeRecord and FINISHED (l.962-965, the
//   textbook Q3); otherwise log the completion, queue the record for user mode, FINISHED.
// - DriverEntry (minispy.c l.91-232): FltRegisterFilter (l.169), the server port
//   (FltBuildDefaultSecurityDescriptor + FltCreateCommunicationPort, l.179-207, one failure here)
//   and FltStartFiltering (l.213), each leaving the try block on failure; the finally block
//   (l.215-229) closes the port if it was created and unregisters the filter if it was registered,
//   when the status is a failure (T13). The lookaside list is not modelled.
// - InstanceTeardownStart/Complete are NULL (RegistrationData.c l.276-277). SpyFilterUnload
//   (l.309-345): FltCloseCommunicationPort, then FltUnregisterFilter (T10).
//
// Abstracted: the record list is the counter RecordsAllocated (SpyFreeBuffer, mspyLib.c l.182,
// decrements it; a record queued for user mode is counted as released), with a cap of 2; the
// lookaside allocation may fail. Name queries, ECPs, the reparse-tag record and the user-mode port
// are not modelled. The cap check and the InterlockedIncrement are separate steps, as in the
// sample: concurrent pre-ops can overshoot the cap, which the sample tolerates (the cap is a soft
// limit on memory, not an invariant).
//
// Exercises: P3 (no post-op for SHUTDOWN), Q3 (the drained post-op only frees), T10, T11.
// Everything holds.
import FltModel

let model = Model("MiniSpy") {
    Workload {
        Requests(.read, synchronous: false, fileSystem: .either(.success, .endOfFile))
        Requests(.create)
        Requests(.shutdown)
        InstanceTeardown("MiniSpy")
        Unload("MiniSpy")
    }
    Filter("MiniSpy", altitude: 385_100) {
        let serverPort = CommunicationPort("ServerPort")
        // MiniSpyData.Filter != NULL, and NT_SUCCESS(status) at the finally block.
        let filterRegistered = BoolVariable("FilterRegistered")
        let started = BoolVariable("Started")
        DriverEntry {
            RegisterFilter {
                filterRegistered.set(true)
                serverPort.create {
                    StartFiltering {
                        started.set(true)
                    } onFailure: {}
                } onFailure: {}
            } onFailure: {}
            If(!started) {
                If(serverPort.isOpen) { serverPort.close() }
                If(filterRegistered) { UnregisterFilter() }
                Return(status: .insufficientResources)
            }
            Return(status: .success)
        }
        let recordsAllocated = IntVariable("RecordsAllocated", 0...3)
        let maxRecordsToAllocate = 2

        for major in [MajorFunction.read, .create, .shutdown] {
            PreOperation(major) {
                // SpyNewRecord.
                If(recordsAllocated < maxRecordsToAllocate) {
                    recordsAllocated.set(recordsAllocated + 1)
                    Either {
                        Step()
                    } or: {
                        // ExAllocateFromNPagedLookasideList failed: RECORD_TYPE_FLAG_OUT_OF_MEMORY.
                        recordsAllocated.set(recordsAllocated - 1)
                        Return(.successNoCallback)
                    }
                } else: {
                    // RECORD_TYPE_FLAG_EXCEED_MEMORY_ALLOWANCE: no record, no post-op.
                    Return(.successNoCallback)
                }
                if major == .shutdown {
                    // SpyPostOperationCallback inline (not draining): log and free the record.
                    recordsAllocated.set(recordsAllocated - 1)
                    Return(.successNoCallback)
                } else {
                    Return(.successWithCallback)
                }
            }
        }

        for major in [MajorFunction.read, .create] {
            PostOperation(major) {
                If(Op.isDraining) {
                    // SpyFreeRecord: nothing else while draining.
                    recordsAllocated.set(recordsAllocated - 1)
                    Return(.finishedProcessing)
                }
                // SpyLogPostOperationData, SpyLog (the record goes to the output list; the user-mode
                // reader frees it later).
                recordsAllocated.set(recordsAllocated - 1)
                Return(.finishedProcessing)
            }
        }

        FilterUnload {
            // FltCloseCommunicationPort(ServerPort), then FltUnregisterFilter (l.342-344).
            serverPort.close()
            UnregisterFilter()
        }
    }
}
