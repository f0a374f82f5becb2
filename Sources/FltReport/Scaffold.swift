import Foundation

/// The model name `fltcheck init` uses for a file name: its letters, digits and underscores, or
/// `MyFilter` when none are left.
public func scaffoldName(_ fileBaseName: String) -> String {
    let kept = String(fileBaseName.unicodeScalars.filter { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "_" })
    return kept.isEmpty ? "MyFilter" : kept
}

/// The starter model `fltcheck init FILE` writes: one filter with a pre-op and a post-op, a
/// workload, and comments pointing at the README. Every property holds for it.
public func scaffoldModel(name fileBaseName: String) -> String {
    let name = scaffoldName(fileBaseName)
    return """
        // fltcheck-expect: holds
        // \(name): a starting point written by `fltcheck init`. Check it with
        //   fltcheck verify \(fileBaseName).swift
        // Every property holds for it as written. Make it describe your minifilter: its callbacks,
        // what each returns, its work items, its shared flags and counters, and the requests that
        // reach it. The language is in the README, section "The model language"; `fltcheck list`
        // shows the rules it is checked against, `fltcheck explain ID` one rule with a model that
        // breaks it.
        import FltModel

        let model = Model("\(name)") {
            // The requests that reach the filter. Each is issued by its own thread, so every order
            // of arrival is explored. See "Workload" in the README's model language section.
            Workload {
                Requests(.create, count: 1)
                // Two asynchronous reads that the file system completes with either status.
                Requests(.read, count: 2, synchronous: false, fileSystem: .either(.success, .endOfFile))
                // Fast I/O: a filter that cannot handle it returns .disallowFastIo.
                Requests(.read, count: 1, kind: .fastIo)
            }

            // One filter; add more with other altitudes (pre-ops are called highest first).
            Filter("\(name)", altitude: 370_000) {
                // State shared by every thread, as a global or a context in the driver.
                let readsInFlight = IntVariable("readsInFlight", 0...3)

                // PFLT_PRE_OPERATION_CALLBACK for IRP_MJ_READ. Every path ends in Return.
                PreOperation(.read) {
                    If(Op.isFastIo) {
                        Return(.disallowFastIo)
                    }
                    // Atomic: an interlocked increment. Without it the read and the write of the
                    // counter are separate steps and another thread may run between them.
                    Atomic {
                        readsInFlight.set(readsInFlight + 1)
                    }
                    // Ask for the post-op. Other returns: .successNoCallback, .pending (then a work
                    // item must call CompletePendedPreOperation), .synchronize, .complete(status).
                    Return(.successWithCallback)
                }

                // PFLT_POST_OPERATION_CALLBACK for IRP_MJ_READ: runs for every read whose pre-op
                // returned .successWithCallback, possibly at DISPATCH_LEVEL.
                PostOperation(.read) {
                    Atomic {
                        Assert(readsInFlight > 0, "a read reaches its post-op only after its pre-op counted it")
                        readsInFlight.set(readsInFlight - 1)
                    }
                    Return(.finishedProcessing)
                }
            }
        }

        """
}
