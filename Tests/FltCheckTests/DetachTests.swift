import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// T9 (D:qteardown, I:load): a manual detach asks InstanceQueryTeardown, which may veto it.
@Suite struct ManualDetach {
    func detachModel(query: Bool, veto: Bool) throws -> Program {
        try program {
            let vetoed = BoolVariable("vetoed")
            _ = Model("Detaching") {
                Workload {
                    Requests(.read)
                    Detach("Filter")
                }
                Filter("Filter", altitude: 100) {
                    PreOperation(.read) { Return(.successNoCallback) }
                    if query {
                        InstanceQueryTeardown {
                            if veto {
                                vetoed.set(true)
                                Return(status: .fltDoNotDetach)
                            } else {
                                Return(status: .success)
                            }
                        }
                    }
                    InstanceTeardownStart {
                        Assert(!vetoed, "a vetoed detach starts no teardown")
                    }
                }
            }
        }
    }

    @Test func anAllowedDetachTearsTheInstanceDown() throws {
        let program = try detachModel(query: true, veto: false)
        #expect(explore(program).counterexamples.isEmpty)
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("a manual detach of Filter's instance is requested: calls its InstanceQueryTeardown") })
        #expect(texts.contains { $0.contains("Filter's instance is torn down") })
        #expect(texts.contains { $0.contains("skips Filter for READ #1") })
    }

    @Test func aVetoedDetachLeavesTheInstanceAttached() throws {
        let program = try detachModel(query: true, veto: true)
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("vetoed the detach (STATUS_FLT_DO_NOT_DETACH)") })
        #expect(!texts.contains { $0.contains("starts tearing down") })
    }

    @Test func withoutInstanceQueryTeardownThereIsNoManualDetach() throws {
        let program = try detachModel(query: false, veto: false)
        #expect(explore(program).counterexamples.isEmpty)
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("registered no InstanceQueryTeardown callback (T9)") })
        #expect(!texts.contains { $0.contains("starts tearing down") })
    }

    @Test func aDismountOrAnUnloadDoesNotAsk() throws {
        // The teardown FltUnregisterFilter does, and a dismount (InstanceTeardown), never call
        // InstanceQueryTeardown: Models/Bugs/CleanupOnlyInQueryTeardown.swift relies on it.
        let bug = try RepositoryModels.program("Models/Bugs/CleanupOnlyInQueryTeardown.swift")
        let failure = try #require(explore(bug).counterexamples.first)
        #expect(failure.violation.property == .assertion)
        let dismount = try program {
            let asked = BoolVariable("asked")
            _ = Model("Dismount") {
                Workload {
                    Requests(.read)
                    InstanceTeardown("Filter")
                }
                Filter("Filter", altitude: 100) {
                    PreOperation(.read) { Return(.successNoCallback) }
                    InstanceQueryTeardown {
                        asked.set(true)
                        Return(status: .fltDoNotDetach)
                    }
                    InstanceTeardownComplete { Assert(!asked, "a dismount asks nothing") }
                }
            }
        }
        #expect(explore(dismount).counterexamples.isEmpty)
    }

    @Test func theDetachVetoModelVetoesAndDetaches() throws {
        let program = try RepositoryModels.program("Models/DetachVeto.swift")
        #expect(explore(program).counterexamples.isEmpty)
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("vetoed the detach") })
        #expect(texts.contains { $0.contains("Scanner's instance is torn down") })
    }

    @Test func instanceQueryTeardownMustReturnAStatus() {
        let missing = compileError {
            _ = Model("NoStatus") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) {
                    PreOperation(.read) { Return(.successNoCallback) }
                    InstanceQueryTeardown { Step() }
                }
            }
        }
        #expect(missing?.message.contains("InstanceQueryTeardown can reach its end without a Return(status:)") == true)
        let misplaced = compileError {
            _ = Model("StatusInTeardownStart") {
                Workload { Requests(.read) }
                Filter("F", altitude: 1) {
                    PreOperation(.read) { Return(.successNoCallback) }
                    InstanceTeardownStart { Return(status: .fltDoNotDetach) }
                }
            }
        }
        #expect(misplaced?.message.contains("from DriverEntry, FilterUnload or InstanceQueryTeardown") == true)
    }
}
