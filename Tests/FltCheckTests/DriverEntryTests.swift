import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// DriverEntry (T13, property DriverEntryFailureCleanup): FltRegisterFilter, FltCreateCommunicationPort
/// and FltStartFiltering can each fail; a failure after the registration must be cleaned up before
/// DriverEntry returns, since FltMgr never calls FilterUnloadCallback for a driver that failed to load.
@Suite struct DriverEntryCleanupTests {
    @Test func theRepositoryModelsHaveTheirVerdicts() throws {
        let fixed = explore(try RepositoryModels.program("Models/DriverEntryCleanup.swift"))
        #expect(violatedIds(fixed).isEmpty)
        #expect(fixed.bound == nil)
        let leak = explore(try RepositoryModels.program("Models/Bugs/DriverEntryLeaksRegistration.swift"))
        #expect(violatedIds(leak) == ["DriverEntryFailureCleanup"])
        #expect(leak.counterexamples.first?.violation.message.contains("returns STATUS_INSUFFICIENT_RESOURCES with the filter still registered") == true)
    }

    /// One filter with a port, loaded by `entry`, unloaded by the workload; its pre-create asserts
    /// that DriverEntry finished and filtering started before any request reached it.
    func loading(@Code _ entry: @escaping (CommunicationPort, BoolVariable) -> [StatementIR]) throws -> ExplorationResult {
        explore(try program {
            let started = BoolVariable("started")
            _ = Model("Loading") {
                Workload {
                    Requests(.create, count: 2)
                    Unload("Filter")
                }
                Filter("Filter", altitude: 100) {
                    let port = CommunicationPort("Port")
                    DriverEntry { for statement in entry(port, started) { Verbatim(ir: statement) } }
                    PreOperation(.create) {
                        Assert(started, "a request reaches the filter only after DriverEntry started filtering and returned")
                        Return(.successNoCallback)
                    }
                    FilterUnload {
                        port.close()
                        UnregisterFilter()
                    }
                }
            }
        })
    }

    @Test func requestsWaitForDriverEntryAndPassAFilterThatNeverStartedFiltering() throws {
        // `started` is set after FltStartFiltering succeeded, one step before DriverEntry returns: a
        // request issued during DriverEntry would see it false. And on the failure paths the
        // requests run past the filter, whose unload callback (a second close) is never called.
        let result = try loading { port, started in
            RegisterFilter {
                port.create {
                    StartFiltering {
                        started.set(true)
                        Return(status: .success)
                    } onFailure: {
                        port.close()
                        UnregisterFilter()
                        Return(status: .insufficientResources)
                    }
                } onFailure: {
                    UnregisterFilter()
                    Return(status: .insufficientResources)
                }
            } onFailure: {
                Return(status: .insufficientResources)
            }
        }
        #expect(violatedIds(result).isEmpty, "\(result.counterexamples.map(\.violation.message))")
        #expect(result.bound == nil)
    }

    @Test func aRegistrationLeftBehindByAFailedDriverEntryIsReported() throws {
        let result = try loading { port, _ in
            RegisterFilter {
                port.create {
                    Return(status: .success)
                } onFailure: {
                    Return(status: .insufficientResources)
                }
            } onFailure: {
                Return(status: .insufficientResources)
            }
        }
        #expect(violatedIds(result).contains("DriverEntryFailureCleanup"))
    }

    @Test func portsLeftOpenAreNamedInTheReport() throws {
        let result = try loading { port, _ in
            RegisterFilter {
                port.create {
                    StartFiltering {
                        Return(status: .success)
                    } onFailure: {
                        Return(status: .unsuccessful)
                    }
                } onFailure: {
                    UnregisterFilter()
                    Return(status: .insufficientResources)
                }
            } onFailure: {
                Return(status: .insufficientResources)
            }
        }
        #expect(violatedIds(result).contains("DriverEntryFailureCleanup"))
        let messages = result.counterexamples.map(\.violation.message)
        #expect(messages.contains { $0.contains("returns STATUS_UNSUCCESSFUL with the filter still registered, and its communication port Port open") })
    }

    @Test func unregisteringWithThePortOpenBreaksTheUnloadOrderInDriverEntryToo() throws {
        let result = try loading { port, _ in
            RegisterFilter {
                port.create {
                    StartFiltering {
                        Return(status: .success)
                    } onFailure: {
                        UnregisterFilter()
                        port.close()
                        Return(status: .unsuccessful)
                    }
                } onFailure: {
                    UnregisterFilter()
                    Return(status: .insufficientResources)
                }
            } onFailure: {
                Return(status: .insufficientResources)
            }
        }
        #expect(violatedIds(result).contains("UnloadOrder"))
    }

    @Test func callsThatNeedTheFilterPointerAreReportedWithoutARegistration() throws {
        let unregister = try loading { _, _ in
            RegisterFilter {
                Return(status: .success)
            } onFailure: {
                UnregisterFilter()
                Return(status: .insufficientResources)
            }
        }
        #expect(violatedIds(unregister).contains("DriverEntryFailureCleanup"))
        #expect(unregister.counterexamples.first?.violation.message.contains("was never registered") == true)

        let start = try loading { _, _ in
            StartFiltering {
                Return(status: .success)
            } onFailure: {
                Return(status: .unsuccessful)
            }
        }
        #expect(violatedIds(start) == ["DriverEntryFailureCleanup"])
        #expect(start.counterexamples.first?.violation.message.contains("FltStartFiltering with no registered filter") == true)
    }

    @Test func driverEntryCallsAreRejectedOutsideDriverEntry() {
        let error = compileError {
            _ = Model("Misplaced") {
                Workload { Requests(.create) }
                Filter("Filter", altitude: 100) {
                    PreOperation(.create) {
                        StartFiltering {
                            Return(.successNoCallback)
                        } onFailure: {
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        }
        #expect(error?.message.contains("are calls of DriverEntry") == true)
    }

    @Test func everyPathOfDriverEntryReturnsAStatus() {
        let error = compileError {
            _ = Model("NoReturn") {
                Workload { Requests(.create) }
                Filter("Filter", altitude: 100) {
                    DriverEntry {
                        RegisterFilter {
                            Return(status: .success)
                        } onFailure: {
                            Step()
                        }
                    }
                    PreOperation(.create) { Return(.successNoCallback) }
                }
            }
        }
        #expect(error?.message.contains("DriverEntry can reach its end without a Return(status:)") == true)
    }

    @Test func withoutADriverEntryThePortIsOpenFromTheStart() throws {
        // The older models' starting point is unchanged: registered, filtering, the port created.
        let program = try program {
            _ = Model("NoEntry") {
                Workload { Requests(.create) }
                Filter("Filter", altitude: 100) {
                    let port = CommunicationPort("Port")
                    PreOperation(.create) { Return(.successNoCallback) }
                    FilterUnload {
                        port.close()
                        UnregisterFilter()
                    }
                }
            }
        }
        #expect(program.model.variables.first { $0.name == "Port.open" }?.initial == 1)
        let withEntry = try RepositoryModels.program("Models/DriverEntryCleanup.swift")
        #expect(withEntry.model.variables.first { $0.name == "ScannerPort.open" }?.initial == 0)
    }
}

@Suite struct DriverEntryRestrictions {
    @Test func instanceObjectsAreRejectedInDriverEntry() {
        let error = compileError {
            _ = Model("QueueInDriverEntry") {
                Workload { Requests(.read) }
                Filter("Filter", altitude: 100) {
                    let queue = CancelSafeQueue("Queue") {
                        CompletePendedPreOperation(Op.current, .complete(.cancelled))
                    }
                    DriverEntry {
                        queue.disable()
                        Return(status: .success)
                    }
                    PreOperation(.read) { Return(.successNoCallback) }
                }
            }
        }
        #expect(error?.message.contains("a cancel-safe queue (one per instance) is not available in DriverEntry") == true)
    }
}
