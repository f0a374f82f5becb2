// fltcheck-expect: violated CancelIoOnlyOwnIo
// CancelIoAfterFree: a filter issues an asynchronous read of its own (FltPerformAsynchronousIo) and
// frees the callback data in the read's completion callback. Its InstanceTeardownStart cancels the
// read with FltCancelIo to make teardown quick (catalog T3), without checking whether the read is
// still in flight: when teardown starts after the completion callback freed the data, or before
// any read was issued, FltCancelIo gets callback data that is freed or was never issued (catalog
// C13: FltCancelIo only for I/O the filter itself started). Models/AsyncScanRead.swift cancels only
// a read in flight.
import FltModel

let model = Model("CancelIoAfterFree") {
    Workload {
        Requests(.create)
        InstanceTeardown("Scanner")
    }
    Filter("Scanner", altitude: 265_000) {
        let read = AsyncIo("ScanRead") { io in
            io.free()
        }
        PreOperation(.create) {
            read.perform {
                Step()
            } onFailure: {
                Step()
            }
            Return(.successNoCallback)
        }
        InstanceTeardownStart {
            read.cancel()
        }
    }
}
