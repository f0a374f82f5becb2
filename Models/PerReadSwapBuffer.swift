// fltcheck-expect: holds
// PerReadSwapBuffer: two reads, each with its own symbolic Length, swap in a buffer rounded up to
// whole 512-byte sectors (the WDK swapBuffers sample's SwapPreReadBuffers), with the rounding's
// overflow refused first. The size travels to the post-op the way swapBuffers passes its
// PRE_2_POST_CONTEXT: per operation. Here it is a thread-local `BitVector`, which is the same thing
// because the file system completes each read inline, in the thread that issued it, where FltMgr
// calls the post-op; a shared variable would be overwritten by the other read. Holds for every pair
// of Lengths; `fltcheck prove` proves it, with each thread's copy a variable of its own.
import FltModel

let model = Model("PerReadSwapBuffer") {
    Workload {
        Requests(.read, count: 2, length: .symbolic)
    }
    Filter("SwapBuffers", altitude: 340_000) {
        let allocated = BitVector("allocated", .uint32, threadLocal: true)
        PreOperation(.read) {
            // Length + 511 would wrap around: no buffer can be that large.
            If(Op.length > 0xFFFF_FFFF - 511) {
                Return(.complete(.invalidParameter))
            }
            allocated.set((Op.length + 511) & 0xFFFF_FE00)
            ModifyParameters()
            SetCallbackDataDirty()
            SetCompletionContext()
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            Assert(allocated >= Op.length, "the swapped-in buffer holds every byte the file system may transfer")
            Return(.finishedProcessing)
        }
    }
}
