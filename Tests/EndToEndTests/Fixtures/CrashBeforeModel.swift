// Fixture: the model program traps before it reaches its Model.
import FltModel

func readConfiguration() -> Int {
    fatalError("boom")
}

let altitude = readConfiguration()

let model = Model("CrashBeforeModel") {
    Workload {
        Requests(.read)
    }
    Filter("F", altitude: altitude) {
        PreOperation(.read) {
            Return(.successNoCallback)
        }
    }
}
