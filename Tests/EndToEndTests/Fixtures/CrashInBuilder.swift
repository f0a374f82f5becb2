// Fixture: the model program traps while the Model builder runs.
import FltModel

func loadWorkload() -> Workload {
    fatalError("boom")
}

let model = Model("CrashInBuilder") {
    loadWorkload()
    Filter("F", altitude: 100) {
        PreOperation(.read) {
            Return(.successNoCallback)
        }
    }
}
