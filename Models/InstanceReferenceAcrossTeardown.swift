// fltcheck-expect: holds
// InstanceReferenceAcrossTeardown: a generic work item that keeps a rundown reference on the
// filter's instance (FltObjectReference) across the instance's teardown. The docs promise that a
// reference on the instance does not stop FltMgr from calling InstanceTeardownComplete; it only
// delays the free (catalog T8; D:teardown). FltUnregisterFilter, though, waits until every rundown
// reference is given back (T11; I:unreg, D:unreg).
//
// The first read queues the work item, which references the instance and waits for the event
// InstanceTeardownComplete sets before it writes its statistics back and dereferences (taking the
// reference fails with STATUS_FLT_DELETING_OBJECT once the teardown has started). A mandatory unload
// races everything: its FltUnregisterFilter tears the instance down (if the detach has not) and
// then waits for the work item (W5) and its reference. Every property holds: teardown complete does
// not wait for the reference (T8), so the work item is woken and gives it back, and the unload
// completes. Models/Bugs/UnregisterHoldingReference.swift calls FltUnregisterFilter while holding a
// reference on the filter (T12).
import FltModel

let model = Model("InstanceReferenceAcrossTeardown") {
    Workload {
        Requests(.read)
        InstanceTeardown("Stats")
        Unload("Stats", mandatory: true)
    }
    Filter("Stats", altitude: 360_200) {
        let instanceRef = RundownReference("InstanceRef", on: .instance)
        let torndown = BoolVariable("torndown")
        let flush = WorkItem("FlushStatistics", kind: .generic) {
            instanceRef.reference {
                // KeWaitForSingleObject(&TornDownEvent), then the last write-back.
                WaitUntil(torndown)
                instanceRef.dereference()
            } onFailure: {
                // STATUS_FLT_DELETING_OBJECT: the instance is already going away.
                Step()
            }
        }
        PreOperation(.read) {
            QueueGenericWorkItem(flush) {
                Return(.successNoCallback)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
        InstanceTeardownComplete {
            torndown.set(true)
        }
        FilterUnload {
            UnregisterFilter()
        }
    }
}
