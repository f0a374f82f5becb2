// fltcheck-expect: violated PostFailValidError
// FailedReadKeepsInformation breaks PostFailValidError (catalog Q9): an encryption filter's
// post-read fails a read whose data it cannot decrypt with STATUS_ACCESS_DENIED, but leaves
// IoStatus.Information as the file system set it (the bytes read): the caller is told at once that
// the read failed and how many bytes it got. A post-op that fails an operation sets a valid error
// status and Information = 0 (I:failpost). Models/FailedReadClearsInformation.swift is the fix.
import FltModel

let model = Model("FailedReadKeepsInformation") {
    Workload { Requests(.read, fileSystem: .inline(.success, .endOfFile)) }
    Filter("Decrypt", altitude: 140_000) {
        PreOperation(.read) { Return(.successWithCallback) }
        PostOperation(.read) {
            If(Op.status != NTStatus.success) {
                // The file system failed it: nothing to decrypt.
                Return(.finishedProcessing)
            }
            Either {
                // Decrypted in place.
                Return(.finishedProcessing)
            } or: {
                // The key is not available: fail the read.
                SetStatus(NTStatus.accessDenied)
                Return(.finishedProcessing)
            }
        }
    }
}
