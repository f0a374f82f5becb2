// fltcheck-expect: holds
// FailedReadClearsInformation: Models/Bugs/FailedReadKeepsInformation.swift done as I:failpost says
// (catalog Q9): a post-read that cannot decrypt the data fails the read with a valid error status
// and IoStatus.Information = 0, then returns FLT_POSTOP_FINISHED_PROCESSING. A read the file system
// failed already has Information 0 and only its status changes (STATUS_END_OF_FILE stays as it is
// here). A drained read (instance teardown) only returns. Holds.
import FltModel

let model = Model("FailedReadClearsInformation") {
    Workload {
        Requests(.read, count: 2, fileSystem: .either(.success, .endOfFile))
        InstanceTeardown("Decrypt")
    }
    Filter("Decrypt", altitude: 140_000) {
        PreOperation(.read) { Return(.successWithCallback) }
        PostOperation(.read) {
            If(Op.isDraining || Op.status != NTStatus.success) {
                Return(.finishedProcessing)
            }
            Either {
                // Decrypted in place.
                Return(.finishedProcessing)
            } or: {
                // The key is not available: fail the read (Status and Information together).
                SetStatus(NTStatus.accessDenied, information: 0)
                Return(.finishedProcessing)
            }
        }
    }
}
