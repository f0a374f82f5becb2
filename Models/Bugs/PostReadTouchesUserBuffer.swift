// fltcheck-expect: violated UserBufferViaWhenSafe
// PostReadTouchesUserBuffer: a post-read that copies the data straight into the caller's buffer,
// whatever kind of buffer it is (the mistake swapBuffers avoids, Q6). A post-read of an IRP-based
// read that is not synchronized may be called at DISPATCH_LEVEL in an arbitrary thread (Q5, D:post);
// when the caller passed a user buffer without an MDL (neither buffered nor direct I/O), that
// address may be paged out and belongs to the caller's process, so touching it there can bug check
// (I:bufpost). The shortest trace: the read is issued with a user buffer without an MDL, the file
// system completes it, FltMgr calls the post-read at DISPATCH_LEVEL, and the AccessBuffer line
// touches the buffer. Fixed in Models/SwapBuffersUserBuffer.swift: test Op.hasMdl and
// Op.isSystemBuffer, else FltDoCompletionProcessingWhenSafe and FltLockUserBuffer.
import FltModel

let model = Model("PostReadTouchesUserBuffer") {
    Workload {
        // Every kind of buffer an IRP read may carry (the default once the model looks at buffers).
        Requests(.read)
    }
    Filter("Copier", altitude: 340_000) {
        PreOperation(.read) { Return(.successWithCallback) }
        PostOperation(.read) {
            AccessBuffer()
            Return(.finishedProcessing)
        }
    }
}
