// fltcheck-expect: violated WorkItemFreedOnce
// WorkItemFreedTwice breaks WorkItemFreedOnce (catalog W3): each work item allocated with
// FltAllocateDeferredIoWorkItem is freed exactly once, in its routine or when queueing fails
// (D:adef, D:fdef; Filter Verifier tracks queued work items, V:fv).
//
// The mistake: the pre-op frees the work item on its common exit path, after queueing it, as if
// FltQueueDeferredIoWorkItem had taken a copy; the routine frees it too (Models/WorkItemAllocation.swift
// frees it only on the failure path). Whichever runs second frees it again; if the pre-op's free
// comes first, FltMgr runs a routine whose work item is already freed.
import FltModel

let model = Model("WorkItemFreedTwice") {
    Workload {
        Requests(.read, synchronous: false)
    }
    Filter("Deferrer", altitude: 360_500) {
        let process = WorkItem("ProcessRead", explicitAllocation: true) {
            CompletePendedPreOperation(Op.current, .successNoCallback)
            FreeWorkItem()
        }
        let queued = BoolVariable("queued", threadLocal: true)
        PreOperation(.read) {
            AllocateWorkItem(process) {
                QueueDeferredIoWorkItem(process, for: Op.current) {
                    queued.set(true)
                } onFailure: {
                    queued.set(false)
                }
                // Common cleanup.
                FreeWorkItem(process)
                If(queued) {
                    Return(.pending)
                }
                Return(.successNoCallback)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
    }
}
