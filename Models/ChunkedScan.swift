// fltcheck-expect: holds
// ChunkedScan: a scanner's pre-read walks the read's Length in 4 KiB chunks (as avscan and scanner
// map and scan a file section by section), taking a short last chunk, and asserts it scanned
// exactly Length bytes. The loop runs once per chunk: `verify` unrolls it for every Length the
// assumption allows (here up to 64 KiB: 16 chunks); `fltcheck prove` needs no bound. Without the
// assumption (Tests/EndToEndTests/Fixtures/ChunkedScanAnyLength.swift), `verify` would unroll up to
// a million iterations, while `prove` proves it for every ULONG Length with the invariant
// `scanned <= Length`.
import FltModel

let model = Model("ChunkedScan") {
    Workload {
        Requests(.read, count: 1, length: .symbolic(where: { $0 <= 0x1_0000 }))
    }
    Filter("Scanner", altitude: 265_000) {
        let scanned = BitVector("scanned", .uint32)
        PreOperation(.read) {
            scanned.set(0)
            While(scanned < Op.length) {
                If(Op.length - scanned < 0x1000) {
                    scanned.set(Op.length)
                } else: {
                    scanned.set(scanned + 0x1000)
                }
            }
            Assert(scanned == Op.length, "every byte of the read is scanned, none twice")
            Return(.successNoCallback)
        }
    }
}
