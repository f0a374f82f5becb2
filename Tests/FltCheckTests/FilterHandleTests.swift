import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// Handles a filter owns: the communication server port closed before FltUnregisterFilter (T10,
/// property UnloadOrder) and files closed by the end of instance teardown (T7, property
/// TeardownCompleteClosesFiles), each closed once.
@Suite struct FilterHandles {
    @Test func theRepositoryModelsHaveTheirVerdicts() throws {
        #expect(violatedIds(explore(try RepositoryModels.program("Models/Bugs/PortOpenAtUnregister.swift"))) == ["UnloadOrder"])
        #expect(violatedIds(explore(try RepositoryModels.program("Models/PortClosedBeforeUnregister.swift"))).isEmpty)
        let leak = explore(try RepositoryModels.program("Models/Bugs/MetadataFileLeftOpen.swift"))
        #expect(violatedIds(leak) == ["TeardownCompleteClosesFiles"])
        #expect(leak.counterexamples.first?.violation.message.contains("torn down with MetadataFile still open") == true)
    }

    /// A filter with one port, whose unload callback runs `unload`.
    func unloading(@Code _ unload: @escaping (CommunicationPort) -> [StatementIR]) throws -> ExplorationResult {
        explore(try program {
            _ = Model("Ports") {
                Workload {
                    Requests(.create)
                    Unload("Filter")
                }
                Filter("Filter", altitude: 100) {
                    let port = CommunicationPort("Port")
                    PreOperation(.create) { Return(.successNoCallback) }
                    FilterUnload { for statement in unload(port) { Verbatim(ir: statement) } }
                }
            }
        })
    }

    @Test func aPortClosedTwiceIsReported() throws {
        let result = try unloading { port in
            port.close()
            port.close()
            UnregisterFilter()
        }
        #expect(violatedIds(result) == ["UnloadOrder"])
        #expect(result.counterexamples.first?.violation.message.contains("FltCloseCommunicationPort(Port) on a handle already closed") == true)
    }

    @Test func aPortNeverClosedIsReportedAtUnregister() throws {
        let result = try unloading { _ in UnregisterFilter() }
        #expect(violatedIds(result) == ["UnloadOrder"])
        #expect(result.counterexamples.first?.violation.message.contains("while its communication server port Port is open") == true)
    }

    /// A filter with one file (closed at the start), whose read pre-op runs `pre`, torn down at any step.
    func withFile(synchronize: Bool = true, @Code pre: @escaping (FilterFile) -> [StatementIR], @Code post: @escaping (FilterFile) -> [StatementIR] = { _ in [] }) throws -> ExplorationResult {
        explore(try program {
            _ = Model("Files") {
                Workload {
                    Requests(.read)
                    InstanceTeardown("Filter")
                }
                Filter("Filter", altitude: 100) {
                    let file = FilterFile("Log")
                    PreOperation(.read) {
                        for statement in pre(file) { Verbatim(ir: statement) }
                        Return(synchronize ? .synchronize : .successWithCallback)
                    }
                    PostOperation(.read) {
                        for statement in post(file) { Verbatim(ir: statement) }
                        Return(.finishedProcessing)
                    }
                    InstanceTeardownComplete {
                        If(file.isOpen) { file.close() }
                    }
                }
            }
        })
    }

    @Test func aFileOpenedAndClosedInTeardownCompleteHolds() throws {
        #expect(violatedIds(try withFile { file in file.open() }).isEmpty)
    }

    @Test func openingAnOpenFileLeaksTheOldHandle() throws {
        let result = try withFile { file in
            file.open()
            file.open()
        }
        #expect(violatedIds(result) == ["TeardownCompleteClosesFiles"])
        #expect(result.counterexamples.first?.violation.message.contains("opens Log again while it is open") == true)
    }

    @Test func closingAClosedFileIsReported() throws {
        let result = try withFile { file in file.close() }
        #expect(violatedIds(result) == ["TeardownCompleteClosesFiles"])
        #expect(result.counterexamples.first?.violation.message.contains("FltClose(Log) on a handle already closed") == true)
    }

    @Test func closingAFileAtDispatchLevelIsReported() throws {
        // A post-read that is not synchronized may run at DISPATCH_LEVEL; FltClose is PASSIVE_LEVEL only.
        let result = try withFile(synchronize: false, pre: { file in file.open() }, post: { file in file.close() })
        #expect(violatedIds(result).contains("PostOpDispatchSafe"))
        #expect(result.counterexamples.contains { $0.violation.message.contains("FltClose(Log) at DISPATCH_LEVEL") })
    }

    @Test func aHandleDeclaredOutsideAFilterIsABuildError() {
        let envelope = captureModels {
            let port = CommunicationPort("Stray")
            _ = Model("Outside") {
                Workload { Requests(.read) }
                Filter("Filter", altitude: 100) {
                    PreOperation(.read) { Return(.successNoCallback) }
                    FilterUnload {
                        port.close()
                        UnregisterFilter()
                    }
                }
            }
        }
        #expect(envelope.errors.map(\.message) == ["CommunicationPort \"Stray\" must be declared inside a Filter"])
    }

    @Test func aFilterUsesOnlyItsOwnHandles() {
        let error = compileError {
            var file: FilterFile?
            _ = Model("Borrowed") {
                Workload { Requests(.read) }
                Filter("Owner", altitude: 200) {
                    let owned = FilterFile("Log")
                    let _ = { file = owned }()
                    PreOperation(.read) { Return(.successNoCallback) }
                }
                Filter("Borrower", altitude: 100) {
                    PreOperation(.read) {
                        if let file { file.open() }
                        Return(.successNoCallback)
                    }
                }
            }
        }
        #expect(error?.message.contains("Borrower uses Log of Owner; a filter opens and closes its own handles") == true, "\(String(describing: error))")
    }
}
