// fltcheck-expect: holds
// SimRep: the WDK simrep sample (filesys/miniFilter/simrep/simrep.c): redirects opens under a
// mapped path by completing the create with STATUS_REPARSE; no pending, no post-ops.
//
// Follows:
// - SimRepPreCreate (l.1516-1845): paging-file opens and names that do not match pass with
//   NO_CALLBACK; a match replaces the file object's name and completes the create with
//   IoStatus.Status = STATUS_REPARSE, Information = IO_REPARSE (l.1817-1825, P4: a final status);
//   any error completes it with that error (l.1834-1838).
// - SimRepPreNetworkQueryOpen (l.1291-1514): a matching name returns DISALLOW_FASTIO, because fast
//   I/O cannot be reparsed and must come back as an IRP create (l.1467-1475, P7); an error
//   completes it (l.1502).
// - SimRepPreSetInformation (l.1852-2192, when renames and links are remapped): a rename or hard
//   link into the mapping is performed by the filter itself with FltSetInformationFile and the
//   original request is completed with its status (l.2144-2162); errors complete it too (l.2187);
//   other classes pass with NO_CALLBACK.
// - InstanceTeardownStart/Complete are NULL (l.455-456, 507-508). SimRepUnload (l.1140-1182):
//   FltUnregisterFilter.
//
// Abstracted: whether a name matches the mapping and whether a name query or allocation fails are
// nondeterministic. IRP_MJ_NETWORK_QUERY_OPEN is not in the DSL: it is modelled as a fast I/O
// create (it reaches filters only on the fast I/O path), so PreCreate runs
// SimRepPreNetworkQueryOpen's logic when Op.isFastIo. FltSetInformationFile (filter-initiated I/O)
// is a `Step()`. Not modelled: name generation and normalization callbacks, the registry
// configuration, IRQL.
//
// Exercises: P4 (COMPLETE with STATUS_REPARSE, a success status), P7 (DISALLOW_FASTIO only for fast
// I/O), P6 (nothing below the completing filter runs), T11. Everything holds.
import FltModel

let model = Model("SimRep") {
    Workload {
        Requests(.create, fileSystem: .inline(.success, .objectNameNotFound))
        Requests(.create, kind: .fastIo)
        Requests(.setInformation)
        Unload("SimRep")
    }
    Filter("SimRep", altitude: 137_900) {
        PreOperation(.create) {
            If(Op.isFastIo) {
                // SimRepPreNetworkQueryOpen.
                OneOf {
                    Branch {
                        Return(.successNoCallback)
                    }
                    Branch {
                        // The name matches: force the IRP path, which can reparse.
                        Return(.disallowFastIo)
                    }
                    Branch {
                        // FltGetFileNameInformation failed.
                        Return(.complete(.insufficientResources))
                    }
                }
            }
            OneOf {
                Branch {
                    // A paging-file open, or no match.
                    Return(.successNoCallback)
                }
                Branch {
                    // IoReplaceFileObjectName, then STATUS_REPARSE / IO_REPARSE.
                    Return(.complete(.reparse))
                }
                Branch {
                    // A name query or allocation failed: fail the open.
                    Return(.complete(.insufficientResources))
                }
            }
        }

        PreOperation(.setInformation) {
            OneOf {
                Branch {
                    // Not a rename or link into the mapping.
                    Return(.successNoCallback)
                }
                Branch {
                    // FltSetInformationFile with the remapped name, then complete the user's request
                    // with its status.
                    Step()
                    Either {
                        Return(.complete(.success))
                    } or: {
                        Return(.complete(.accessDenied))
                    }
                }
                Branch {
                    Return(.complete(.insufficientResources))
                }
            }
        }

        FilterUnload {
            UnregisterFilter()
        }
    }
}
