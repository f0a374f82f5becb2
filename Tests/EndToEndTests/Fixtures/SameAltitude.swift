// Fixture: two filters at the same altitude (invalid IR).
import FltModel

let model = Model("SameAltitude") {
    Workload {
        Requests(.read)
    }
    Filter("First", altitude: 370_000) {
        PreOperation(.read) {
            Return(.successNoCallback)
        }
    }
    Filter("Second", altitude: 370_000) { // expected-error-line
        PreOperation(.read) {
            Return(.successNoCallback)
        }
    }
}
