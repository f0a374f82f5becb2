// fltcheck-expect: holds
// AsyncScanRead: a scanner-style filter (the WDK avscan sample reads files it scans with its own
// I/O) that reads with FltPerformAsynchronousIo on callback data it allocated once, for two creates.
// It issues the read only when the data is not in use (under its lock: the check and the call are
// one `Atomic`), never frees the data while the read is in flight, even when the call fails
// (catalog C14: the completion callback runs anyway), cancels at teardown start only a read it
// issued (C13: one that completes first makes FltCancelIo return FALSE, which is fine), and frees
// the data in InstanceTeardownComplete, which FltMgr calls only once the read and its completion
// callback are done (T4). Holds.
import FltModel

let model = Model("AsyncScanRead") {
    Workload {
        Requests(.create, count: 2)
        InstanceTeardown("Scanner")
    }
    Filter("Scanner", altitude: 265_000) {
        let scans = IntVariable("scans", 0...2)
        let read = AsyncIo("ScanRead") {
            scans.set(scans + 1)
        }
        PreOperation(.create) {
            Atomic {
                If(read.is(.idle) || read.is(.done)) {
                    read.perform {
                        Step()
                    } onFailure: {
                        // The completion callback still runs (C14): leave the data alone.
                        Step()
                    }
                }
            }
            Return(.successNoCallback)
        }
        InstanceTeardownStart {
            If(read.is(.inFlight)) {
                read.cancel()
            }
        }
        InstanceTeardownComplete {
            Assert(!read.is(.inFlight) && !read.is(.completing), "T4: teardown complete only once the filter's own I/O is done")
            read.free()
        }
    }
}
