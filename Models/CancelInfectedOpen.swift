// fltcheck-expect: holds
// CancelInfectedOpen: the scanner and avscan post-create (scanner.c ~l.1113-1225; avscan.h
// AvCancelFileOpen) done as D:cfo and I:failpost say (catalog Q10, Q9). It skips a drained
// post-create (Q3: no FltCancelFileOpen while draining) and a create the file system failed or
// completed with STATUS_REPARSE (no file is open to close), scans, and for an infected file calls
// FltCancelFileOpen, then fails the create with STATUS_VIRUS_INFECTED and Information 0. Post-create
// runs at PASSIVE_LEVEL, as FltCancelFileOpen requires. Holds.
import FltModel

let model = Model("CancelInfectedOpen") {
    Workload {
        Requests(.create, count: 2, synchronous: false, fileSystem: .either(.success, .reparse, .objectNameNotFound))
        InstanceTeardown("Scanner")
    }
    Filter("Scanner", altitude: 265_000) {
        PreOperation(.create) { Return(.successWithCallback) }
        PostOperation(.create) {
            If(Op.isDraining) {
                Return(.finishedProcessing)
            }
            If(Op.status != NTStatus.success) {
                // Failed, or STATUS_REPARSE: no file was opened.
                Return(.finishedProcessing)
            }
            Either {
                // Clean.
                Return(.finishedProcessing)
            } or: {
                // Infected: close the file, then fail the create.
                CancelFileOpen()
                SetStatus(NTStatus.virusInfected, information: 0)
                Return(.finishedProcessing)
            }
        }
    }
}
