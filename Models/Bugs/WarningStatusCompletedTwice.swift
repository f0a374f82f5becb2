// fltcheck-expect: violated NoDoubleCompletion
// WarningStatusCompletedTwice: a status decides a race. PreRead reads the file's header itself
// (FltReadFile; its status is left symbolic: any NTSTATUS), pends the user's read and queues a
// Decrypt work item for it. The two halves disagree on what a failure is:
//   - PreRead fails the read at once when !NT_SUCCESS(status) (status >= 0x80000000: errors AND
//     warnings such as STATUS_BUFFER_OVERFLOW), resuming it before it returns PENDING (R8);
//   - Decrypt decrypts and completes it unless NT_ERROR(status) (status >= 0xC0000000: errors only).
// For a warning status both complete the read: a double completion (bug check 0x44), on a path
// that only some statuses open, from two threads racing. Z3 finds the smallest such status,
// 0x80000000 (STATUS_GUARD_PAGE_VIOLATION's class: a warning). Models/StatusChecksAgree.swift is the fix.
import FltModel

let model = Model("WarningStatusCompletedTwice") {
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
                If(headerStatus >= 0x8000_0000) {
                    CompletePendedPreOperation(Op.current, .complete(.unsuccessful))
                }
                Return(.pending)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
