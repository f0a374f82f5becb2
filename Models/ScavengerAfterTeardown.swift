// fltcheck-expect: holds
// ScavengerAfterTeardown: a generic work item that outlives its instance's teardown, under the
// default `teardownWaitsFor: .operations`. The first read queues a generic work item
// (FltQueueGenericWorkItem) that frees the instance's cache once InstanceTeardownComplete has run:
// it waits on an event InstanceTeardownComplete sets. FltMgr calls InstanceTeardownComplete once
// every operation at the instance is completed or drained (T4; D:teardown, I:load); the docs say
// nothing of work items still running (catalog §1.9, DESIGN.md §2), and fltcheck's default lets
// teardown complete without them. Every property holds: the worker returns after teardown
// completes (W5).
//
// Models/Bugs/ScavengerHoldsTeardown.swift is the same filter under `teardownWaitsFor:
// .operationsAndWorkItems`, where the running work item delays teardown complete: a deadlock.
// A filter that must work under either reading cannot wait for its own teardown complete in a work
// item.
import FltModel

let model = Model("ScavengerAfterTeardown") {
    Workload {
        Requests(.read)
        InstanceTeardown("Scavenger")
    }
    Filter("Scavenger", altitude: 360_100) {
        let torndown = BoolVariable("torndown")
        let scavenge = WorkItem("Scavenge", kind: .generic) {
            // KeWaitForSingleObject(&TornDownEvent): then frees the instance's cache.
            WaitUntil(torndown)
        }
        PreOperation(.read) {
            QueueGenericWorkItem(scavenge) {
                Return(.successNoCallback)
            } onFailure: {
                Return(.successNoCallback)
            }
        }
        InstanceTeardownComplete {
            // KeSetEvent(&TornDownEvent).
            torndown.set(true)
        }
    }
}
