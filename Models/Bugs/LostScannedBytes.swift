// fltcheck-expect: violated Assertion
// LostScannedBytes: a filter counts the bytes its reads scan in a global, with
// `Globals.BytesScanned += Length` instead of InterlockedAdd: a read of the counter, then a write
// (`atomic: false`). Two reads of 4096 bytes interleave between the read and the write of each
// other's update, one update is lost, and at teardown the count says 4096. Violated: Assertion, in
// InstanceTeardownComplete. The fix, Models/ScannedBytesUnderLock.swift, makes the update under a
// lock. `fltcheck prove` and BMC keep the value read in each thread's register as a variable of
// its own, and find the lost update too.
import FltModel

let model = Model("LostScannedBytes") {
    Workload {
        Requests(.read, count: 2, length: 4096)
        InstanceTeardown("Scanner", when: .afterRequestsComplete)
    }
    Filter("Scanner", altitude: 265_000) {
        let bytesScanned = BitVector("BytesScanned", .uint32)
        PreOperation(.read) {
            bytesScanned.set(bytesScanned + Op.length, atomic: false)
            Return(.successNoCallback)
        }
        InstanceTeardownComplete {
            Assert(bytesScanned == 8192, "every scanned byte is counted")
        }
    }
}
