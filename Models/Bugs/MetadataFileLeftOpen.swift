// fltcheck-expect: violated TeardownCompleteClosesFiles
// MetadataFileLeftOpen: a MetadataManager-style filter (WDK MetadataManager sample) that keeps its
// own metadata file open on the volume. For FSCTL_LOCK_VOLUME it closes the file and sets `locked`;
// when the lock fails, the post-FSCTL reopens the file, but forgets to clear `locked`. Its
// InstanceTeardownComplete closes the file only when no lock is held, reasoning that a locked
// volume has it closed already: after a failed lock it leaves the reopened file open (catalog T7:
// InstanceTeardownComplete must close every file the filter opened on the instance; the leaked
// handle keeps the volume from dismounting). The sample (Models/Samples/MetadataManager.swift)
// closes whatever is open.
import FltModel

let model = Model("MetadataFileLeftOpen") {
    Workload {
        Requests(.fileSystemControl, fileSystem: .either(.success, .accessDenied))
        InstanceTeardown("Metadata")
    }
    Filter("Metadata", altitude: 360_000) {
        let metadata = FilterFile("MetadataFile", open: true)
        let locked = BoolVariable("locked")
        PreOperation(.fileSystemControl) {
            // FSCTL_LOCK_VOLUME: close the metadata file so that the lock can succeed.
            locked.set(true)
            metadata.close()
            Return(.synchronize)
        }
        PostOperation(.fileSystemControl) {
            If(!Op.isDraining && Op.status != NTStatus.success) {
                // The lock failed: reopen the metadata file (and leave `locked` set: the bug).
                metadata.open()
            }
            Return(.finishedProcessing)
        }
        InstanceTeardownComplete {
            If(!locked && metadata.isOpen) {
                metadata.close()
            }
        }
    }
}
