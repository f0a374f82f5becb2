// fltcheck-expect: violated TeardownCompletes WorkItemsTerminate
// ScavengerHoldsTeardown breaks TeardownCompletes (catalog T4) and WorkItemsTerminate (W5) under
// the model option `teardownWaitsFor: .operationsAndWorkItems`: InstanceTeardownComplete waits
// until no work item of the filter runs, as if each held a rundown reference on the instance.
// Whether a running work item delays teardown complete is undocumented (catalog §1.9, DESIGN.md
// §2), so it is an option; the default, `.operations`, is what the docs describe (T4: operations).
//
// The mistake: Models/ScavengerAfterTeardown.swift, which holds under the default. Its generic work
// item waits for an event that InstanceTeardownComplete sets; with the work item delaying teardown
// complete, each waits for the other: the instance's teardown never completes and the work item
// never returns.
import FltModel

let model = Model("ScavengerHoldsTeardown", teardownWaitsFor: .operationsAndWorkItems) {
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
