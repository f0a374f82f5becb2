// fltcheck-expect: violated Assertion
// Assertion (the model's own assertion): "at most one write is scanned at a time".
//
// The mistake: the filter allows one scan at a time (the scanner service is single-threaded) and
// guards it with a counter checked and incremented in two steps without a lock:
//
//     if (Globals.ActiveScans == 0) { Globals.ActiveScans += 1; ScanAndWait(...); ... }
//
// Two writes on two threads both see 0, both increment, and two scans run at once, which the
// assertion catches. (An InterlockedCompareExchange, `Atomic` here, is the fix.)
import FltModel

let model = Model("ScanLimitRace") {
    Workload {
        Requests(.write, count: 2)
    }
    Filter("SingleScanner", altitude: 326_000) {
        let activeScans = IntVariable("activeScans", 0...2)
        PreOperation(.write) {
            If(activeScans == 0) {
                activeScans.set(activeScans + 1)
                Assert(activeScans == 1, "at most one write is scanned at a time")
                // ... the scan ...
                Atomic {
                    activeScans.set(activeScans - 1)
                }
            }
            Return(.successNoCallback)
        }
    }
}
