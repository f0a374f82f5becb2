import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Testing

/// FltObjectReference / FltObjectDereference: T8 (an instance reference does not delay teardown
/// complete), T11 and T12 (FltUnregisterFilter waits for every rundown reference).
@Suite struct RundownReferences {
    @Test func anInstanceReferenceDoesNotDelayTeardownComplete() throws {
        // The work item gives its reference back only after InstanceTeardownComplete has run: the
        // model holds only if teardown complete does not wait for it (T8).
        let program = try RepositoryModels.program("Models/InstanceReferenceAcrossTeardown.swift")
        let result = explore(program)
        #expect(result.counterexamples.isEmpty, "\(result.counterexamples.map(\.violation.message))")
        let texts = allEventTexts(program)
        #expect(texts.contains { $0.contains("FltObjectReference(Stats's instance) succeeds: 1") })
        #expect(texts.contains { $0.contains("FltObjectReference(Stats's instance) fails with STATUS_FLT_DELETING_OBJECT") })
        #expect(texts.contains { $0.contains("FltObjectDereference(Stats's instance): 0") })
        #expect(texts.contains { $0.contains("Stats is unregistered") })
    }

    @Test func unregisteringWhileHoldingAReferenceHangs() throws {
        let program = try RepositoryModels.program("Models/Bugs/UnregisterHoldingReference.swift")
        let result = explore(program)
        #expect(violatedIds(result) == ["UnloadCompletes"])
        let hang = try #require(result.counterexamples.first)
        #expect(hang.violation.message.contains("FilterRef.references = 1"))
        #expect(hang.violation.message.contains("T12"))
    }

    @Test func anUnbalancedDereferenceIsReported() throws {
        let program = try program {
            _ = Model("Unbalanced") {
                Workload { Requests(.read) }
                Filter("Filter", altitude: 100) {
                    let ref = RundownReference("Ref", on: .instance)
                    PreOperation(.read) {
                        ref.dereference()
                        Return(.successNoCallback)
                    }
                }
            }
        }
        let result = explore(program)
        let failure = try #require(result.counterexamples.first)
        #expect(failure.violation.property == .modelIntegrity)
        #expect(failure.violation.message.contains("FltObjectDereference(Filter's instance) with no reference held"))
    }

    @Test func aFilterReferencesOnlyItsOwnObjects() {
        // A reference declared in Owner and used by Borrower is rejected by validation.
        var message: String?
        do {
            _ = try program {
                var ref: RundownReference?
                _ = Model("Borrowed") {
                    Workload { Requests(.read) }
                    Filter("Owner", altitude: 200) {
                        let owned = RundownReference("Ref", on: .filter)
                        let _ = { ref = owned }()
                        PreOperation(.read) { Return(.successNoCallback) }
                    }
                    Filter("Borrower", altitude: 100) {
                        PreOperation(.read) {
                            if let ref { ref.dereference() }
                            Return(.successNoCallback)
                        }
                    }
                }
            }
        } catch {
            message = "\(error)"
        }
        #expect(message?.contains("a filter references its own objects") == true)
    }
}
