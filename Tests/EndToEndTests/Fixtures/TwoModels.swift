// Fixture: a file that declares two models.
import FltModel

let first = Model("First") {
    Workload {
        Requests(.read)
    }
    Filter("F", altitude: 100) {
        PreOperation(.read) {
            Return(.successNoCallback)
        }
    }
}

let second = Model("Second") {
    Workload {
        Requests(.write)
    }
    Filter("G", altitude: 200) {
        PreOperation(.write) {
            Return(.successNoCallback)
        }
    }
}
