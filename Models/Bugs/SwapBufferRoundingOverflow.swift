// fltcheck-expect: violated Assertion
// SwapBufferRoundingOverflow: Models/SwapBufferRounding.swift without its overflow check. The
// buffer size is rounded up as `(Length + SectorSize - 1) & ~(SectorSize - 1)` in 32-bit ULONG
// arithmetic, which wraps around for Lengths within a sector of 4 GiB: the filter allocates a
// zero-byte (or tiny) buffer and the file system writes gigabytes into it. (swapBuffers computes
// ROUND_TO_SIZE in ULONG_PTR and casts the result back to ULONG, which truncates the same way.)
//
// Only Lengths from 0xFFFFFE01 up break it: no small explicit domain of Lengths would contain one,
// and random testing would need luck. Z3 finds the smallest: Length = 0xFFFFFE01 with SectorSize = 512.
import FltModel

let model = Model("SwapBufferRoundingOverflow") {
    Workload {
        Requests(.read, count: 1, length: .symbolic)
    }
    Filter("SwapBuffers", altitude: 340_000) {
        let sectorSize = BitVector("SectorSize", .uint32, initial: .symbolic(where: { $0 == 512 || $0 == 4096 }))
        let allocated = BitVector("allocated", .uint32)
        PreOperation(.read) {
            allocated.set((Op.length + sectorSize - 1) & ~(sectorSize - 1))
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
