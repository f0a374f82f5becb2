// fltcheck-expect: violated CancelIoOnlyOwnIo
// CancelIoAfterFree: a filter issues an asynchronous read of its own (FltPerformAsynchronousIo),
// records that it did in `issued` once the call returns, and frees the callback data in the read's completion callback.
// Its InstanceTeardownStart cancels the read with FltCancelIo to make teardown quick (catalog T3)
// whenever one was issued, without checking whether the read is still in flight: when teardown
// starts after the completion callback freed the data, FltCancelIo gets freed callback data
// (catalog C13: FltCancelIo only on I/O the filter itself started, on valid callback data).
// Models/AsyncScanRead.swift cancels only a read in flight.
import FltModel

let model = Model("CancelIoAfterFree") {
    Workload {
        Requests(.create)
        InstanceTeardown("Scanner")
    }
    Filter("Scanner", altitude: 265_000) {
        let issued = BoolVariable("issued")
        let read = AsyncIo("ScanRead") { io in
            io.free()
        }
        PreOperation(.create) {
            read.perform {
                issued.set(true)
            } onFailure: {
                issued.set(true)
            }
            Return(.successNoCallback)
        }
        InstanceTeardownStart {
            If(issued) {
                read.cancel()
            }
        }
    }
}
