// fltcheck-expect: holds
// ScannedBytesUnderLock: the fix of Models/Bugs/LostScannedBytes.swift. The read and the write of
// the byte count (`atomic: false`) happen with a fast mutex held, so no other read's update comes
// between them. Holds; `fltcheck prove` proves it, with the value each thread read and has not yet
// written a variable of its own.
import FltModel

let model = Model("ScannedBytesUnderLock") {
    Workload {
        Requests(.read, count: 2, length: 4096)
        InstanceTeardown("Scanner", when: .afterRequestsComplete)
    }
    Filter("Scanner", altitude: 265_000) {
        let bytesScanned = BitVector("BytesScanned", .uint32)
        let countLock = Lock("CountLock", .fastMutex)
        PreOperation(.read) {
            countLock.acquire()
            bytesScanned.set(bytesScanned + Op.length, atomic: false)
            countLock.release()
            Return(.successNoCallback)
        }
        InstanceTeardownComplete {
            Assert(bytesScanned == 8192, "every scanned byte is counted")
        }
    }
}
