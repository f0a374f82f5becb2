// fltcheck-expect: holds
// SwapBufferRounding: the buffer swap of the WDK swapBuffers sample (SwapPreReadBuffers), with the
// read's Length and the volume's sector size left symbolic: fltcheck checks every ULONG Length and
// both sector sizes at once, asking Z3 which way each branch can go.
//
// A filter that swaps in its own buffer for a non-cached read must make it as large as the file
// system will fill: the file system transfers whole sectors, so Length rounded up to the sector
// size (swapBuffers rounds with ROUND_TO_SIZE for IRP_NOCACHE reads). Rounding up a ULONG can
// overflow; this filter refuses such a read first. Holds for every Length.
//
// The bugs next to it: Models/Bugs/SwapBufferUnrounded.swift (no rounding: fails for Length = 1)
// and Models/Bugs/SwapBufferRoundingOverflow.swift (rounding that wraps: fails for Lengths near 4 GiB).
import FltModel

let model = Model("SwapBufferRounding") {
    Workload {
        Requests(.read, count: 1, length: .symbolic)
    }
    Filter("SwapBuffers", altitude: 340_000) {
        // FltGetVolumeProperties: SectorSize of the volume the instance is attached to.
        let sectorSize = BitVector("SectorSize", .uint32, initial: .symbolic(where: { $0 == 512 || $0 == 4096 }))
        let allocated = BitVector("allocated", .uint32)
        PreOperation(.read) {
            // Length + SectorSize - 1 would wrap around: no buffer can be that large.
            If(Op.length > 0xFFFF_FFFF - (sectorSize - 1)) {
                Return(.complete(.invalidParameter))
            }
            allocated.set((Op.length + sectorSize - 1) & ~(sectorSize - 1))
            ModifyParameters()
            SetCallbackDataDirty()
            SetCompletionContext()
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            // What the file system may have written: Length rounded up to whole sectors, computed
            // without overflow in 64 bits.
            Assert(
                allocated.cast(.uint64) >= (Op.length.cast(.uint64) + sectorSize.cast(.uint64) - 1) & ~(sectorSize.cast(.uint64) - 1),
                "the swapped-in buffer holds every byte the file system may transfer")
            Return(.finishedProcessing)
        }
    }
}
