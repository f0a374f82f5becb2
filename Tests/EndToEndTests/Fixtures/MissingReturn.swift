// Fixture: a pre-operation callback that can reach its end without a Return (invalid IR).
import FltModel

let model = Model("MissingReturn") {
    Workload {
        Requests(.read)
    }
    Filter("F", altitude: 100) {
        let flag = BoolVariable("flag")
        PreOperation(.read) {
            If(flag) {
                Return(.successNoCallback)
            }
            flag.set(true) // expected-error-line
        }
    }
}
