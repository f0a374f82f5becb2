// fltcheck-expect: violated Assertion
// SwapBufferUnrounded: Models/SwapBufferRounding.swift with the classic mistake the swapBuffers
// sample warns about: the swapped-in buffer is allocated with the read's Length, not rounded up to
// the sector size. A non-cached read transfers whole sectors, so the file system writes past the
// end of the buffer whenever Length is not a multiple of the sector size. fltcheck finds the
// smallest such Length with Z3: Length = 1.
import FltModel

let model = Model("SwapBufferUnrounded") {
    Workload {
        Requests(.read, count: 1, length: .symbolic)
    }
    Filter("SwapBuffers", altitude: 340_000) {
        let sectorSize = BitVector("SectorSize", .uint32, initial: .symbolic(where: { $0 == 512 || $0 == 4096 }))
        let allocated = BitVector("allocated", .uint32)
        PreOperation(.read) {
            allocated.set(Op.length)
            ModifyParameters()
            SetCallbackDataDirty()
            SetCompletionContext()
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            Assert(
                allocated.cast(.uint64) >= (Op.length.cast(.uint64) + sectorSize.cast(.uint64) - 1) & ~(sectorSize.cast(.uint64) - 1),
                "the swapped-in buffer holds every byte the file system may transfer")
            Return(.finishedProcessing)
        }
    }
}
