// Fixture: compiles and runs, but never declares a `Model`.
import FltModel

let altitude = 370_000
print("this file forgot its Model at altitude \(altitude)")
