// fltcheck-expect: holds
// WorkItemAllocation: a filter that allocates its deferred I/O work items itself
// (FltAllocateDeferredIoWorkItem, which may return NULL) and frees each exactly once: in the work
// item routine once it has resumed the read, or in the pre-op when queueing fails (catalog W3;
// D:adef, D:fdef, S4). A NULL allocation or a failed queue (W1: the instance is being torn down)
// lets the read go on unpended (W2). A mandatory unload races everything, so a work item still
// allocated when the filter unloads would be reported (Filter Verifier tracks them, V:fv). Every
// property holds. Models/Bugs/WorkItemFreedTwice.swift frees the work item in the pre-op after
// queueing it as well.
import FltModel

let model = Model("WorkItemAllocation") {
    Workload {
        Requests(.read, count: 2, synchronous: false)
        Unload("Deferrer", mandatory: true)
    }
    Filter("Deferrer", altitude: 360_400) {
        let process = WorkItem("ProcessRead", explicitAllocation: true) {
            CompletePendedPreOperation(Op.current, .successNoCallback)
            // FltFreeDeferredIoWorkItem(FltWorkItem): the routine frees its own work item.
            FreeWorkItem()
        }
        PreOperation(.read) {
            AllocateWorkItem(process) {
                QueueDeferredIoWorkItem(process, for: Op.current) {
                    Return(.pending)
                } onFailure: {
                    FreeWorkItem(process)
                    Return(.successNoCallback)
                }
            } onFailure: {
                // NULL: process the read inline.
                Return(.successNoCallback)
            }
        }
        FilterUnload {
            UnregisterFilter()
        }
    }
}
