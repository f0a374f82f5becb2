// Fixture: a model with a Swift type error. The end-to-end tests expect fltcheck to exit 3 and to
// show swiftc's diagnostic at this file's path and the line marked below.
import FltModel

let model = Model("CompileError") {
    Workload {
        Requests(.read, count: "two") // expected-error-line
    }
    Filter("F", altitude: 100) {
        PreOperation(.read) {
            Return(.successNoCallback)
        }
    }
}
