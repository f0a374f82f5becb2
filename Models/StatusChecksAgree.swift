// fltcheck-expect: holds
// StatusChecksAgree: Models/Bugs/WarningStatusCompletedTwice.swift fixed. PreRead and the Decrypt
// work item test the header read's status (symbolic: any NTSTATUS) the same way, NT_ERROR
// (status >= 0xC0000000), so exactly one of them completes the read, whatever the status.
// Holds for every status and every interleaving.
import FltModel

let model = Model("StatusChecksAgree") {
    Workload {
        Requests(.read, count: 1)
    }
    Filter("Decryptor", altitude: 140_000) {
        let headerStatus = BitVector("headerStatus", .uint32, initial: .symbolic)
        let decrypt = WorkItem("Decrypt") {
            If(headerStatus < 0xC000_0000) {
                CompletePendedPreOperation(Op.current, .successNoCallback)
            }
        }
        PreOperation(.read) {
            QueueDeferredIoWorkItem(decrypt) {
                If(headerStatus >= 0xC000_0000) {
                    CompletePendedPreOperation(Op.current, .complete(.unsuccessful))
                }
                Return(.pending)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
