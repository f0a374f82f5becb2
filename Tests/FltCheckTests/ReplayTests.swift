import FltExplorer
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Testing

/// A post-op work item that resumes every write, the fix of `forgottenPostResumeModel`.
func fixedPostResumeModel() {
    _ = Model("ForgottenPostResume") {
        Workload { Requests(.write, count: 1, fileSystem: .inline(.success, .accessDenied)) }
        Filter("SizeCache", altitude: 324_000) {
            let valid = BoolVariable("cachedSizeValid", initial: true)
            let update = WorkItem("UpdateSize") {
                If(Op.status == NTStatus.success) {
                    valid.set(false)
                    CompletePendedPostOperation(Op.current)
                } else: {
                    CompletePendedPostOperation(Op.current)
                }
            }
            PreOperation(.write) { Return(.successWithCallback) }
            PostOperation(.write) {
                QueueDeferredIoWorkItem(update) {
                    Return(.moreProcessingRequired)
                } onFailure: {
                    valid.set(false)
                    Return(.finishedProcessing)
                }
            }
        }
    }
}

/// The counterexample of `checked` for `property`, saved as JSON and read back, as `fltcheck replay` sees it.
func savedTrace(_ checked: Checked, _ property: String) throws -> TraceDocument {
    let report = JSONReport(workingDirectory: reportRoot)
    let text = try report.render(report.document(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits))
    let document = try JSONDecoder().decode(ResultDocument.self, from: Data(text.utf8))
    return try #require(document.counterexamples.first { $0.property.id == property })
}

func replay(_ trace: TraceDocument, against declarations: () -> Void) throws -> ReplayOutcome {
    let checked = try check(Limits(maxStates: 1)) { declarations() }
    return TraceReplayer(semantics: Semantics(checked.program)).replay(trace)
}

@Suite struct ReplayOfSavedTraces {
    @Test func aSavedSafetyViolationIsReproducedAgainstTheSameModel() throws {
        let trace = try savedTrace(try check { watchdogModel() }, "NoDoubleCompletion")
        let outcome = try replay(trace, against: { watchdogModel() })
        guard case .reproduced(let property, let step, let atEndState, _, let notes) = outcome else {
            Issue.record("expected reproduced, got \(outcome.summary)")
            return
        }
        #expect(property == "NoDoubleCompletion")
        #expect(step == trace.steps)
        #expect(!atEndState)
        #expect(notes.isEmpty)
        #expect(outcome.summary.hasPrefix("reproduced: NoDoubleCompletion at step \(trace.steps)"))
    }

    @Test func theFixedModelNoLongerReproducesAndNamesTheStep() throws {
        let trace = try savedTrace(try check { watchdogModel() }, "NoDoubleCompletion")
        let outcome = try replay(trace, against: { watchdogModel(fixed: true) })
        guard case .noLongerReproduces(let property, let step, let reason) = outcome else {
            Issue.record("expected no longer reproduces, got \(outcome.summary)")
            return
        }
        #expect(property == "NoDoubleCompletion")
        #expect(step >= 1 && step <= trace.steps)
        #expect(reason.contains("can no longer be taken") || reason.contains("no longer violates"))
        #expect(outcome.summary.hasPrefix("no longer reproduces: NoDoubleCompletion: step \(step) "))
    }

    @Test func aSavedLivenessViolationIsReproducedInTheEndState() throws {
        let trace = try savedTrace(try check { forgottenPostResumeModel() }, "PendedOperationsResumed")
        #expect(trace.atEndState)
        let outcome = try replay(trace, against: { forgottenPostResumeModel() })
        guard case .reproduced(_, let step, let atEndState, _, _) = outcome else {
            Issue.record("expected reproduced, got \(outcome.summary)")
            return
        }
        #expect(atEndState)
        #expect(step == trace.steps)
    }

    @Test func theFixedLivenessModelNoLongerReproduces() throws {
        let trace = try savedTrace(try check { forgottenPostResumeModel() }, "PendedOperationsResumed")
        let outcome = try replay(trace, against: { fixedPostResumeModel() })
        #expect(!outcome.reproduced, "\(outcome.summary)")
        if case .noLongerReproduces(_, let step, let reason) = outcome {
            // The work item's else branch now resumes the write in a step of its own.
            #expect(step == trace.steps)
            #expect(reason.contains("no longer gets stuck after it: worker UpdateSize(WRITE #1) can still make progress"), "\(reason)")
        }
    }

    @Test func aThreadIndexThatNoLongerExists() throws {
        var trace = try savedTrace(try check { watchdogModel() }, "NoDoubleCompletion")
        trace.path[0].thread = 7
        let outcome = try replay(trace, against: { watchdogModel() })
        #expect(outcome == .noLongerReproduces(property: "NoDoubleCompletion", step: 1, reason: "can no longer be taken: it runs thread 7 (\(trace.path[0].actor)), but there are only 1 threads now; threads that can run: 0 (\(trace.path[0].actor))"))
    }

    @Test func anotherThreadAtTheSavedIndex() throws {
        var trace = try savedTrace(try check { watchdogModel() }, "NoDoubleCompletion")
        let index = try #require(trace.path.firstIndex { $0.actor.hasPrefix("worker Watchdog") })
        trace.path[index].actor = "worker Other(READ #1)"
        let outcome = try replay(trace, against: { watchdogModel() })
        guard case .noLongerReproduces(_, let step, let reason) = outcome else {
            Issue.record("expected no longer reproduces, got \(outcome.summary)")
            return
        }
        #expect(step == index + 1)
        #expect(reason.contains("not worker Other(READ #1)"), "\(reason)")
    }

    @Test func aChoiceOutOfRange() throws {
        // The first step issues the write and the file system completes it inline with one of two
        // statuses: a nondeterministic choice with two branches somewhere in the path.
        var trace = try savedTrace(try check { forgottenPostResumeModel() }, "PendedOperationsResumed")
        let index = try #require(trace.path.firstIndex { !$0.choices.isEmpty })
        trace.path[index].choices[0] = 5
        let outcome = try replay(trace, against: { forgottenPostResumeModel() })
        guard case .noLongerReproduces(_, let step, let reason) = outcome else {
            Issue.record("expected no longer reproduces, got \(outcome.summary)")
            return
        }
        #expect(step == index + 1)
        #expect(reason.contains("choice 1 of the step takes branch 6, but it now has"), "\(reason)")
    }

    @Test func extraChoicesAreRejected() throws {
        var trace = try savedTrace(try check { watchdogModel() }, "NoDoubleCompletion")
        let index = try #require(trace.path.firstIndex { $0.choices.isEmpty })
        trace.path[index].choices = [0, 0, 0, 0, 0, 0, 0, 0]
        let outcome = try replay(trace, against: { watchdogModel() })
        guard case .noLongerReproduces(_, let step, let reason) = outcome else {
            Issue.record("expected no longer reproduces, got \(outcome.summary)")
            return
        }
        #expect(step == index + 1)
        #expect(reason.contains("nondeterministic choice"), "\(reason)")
    }

    @Test func differentEventsAreReported() throws {
        var trace = try savedTrace(try check { watchdogModel() }, "NoDoubleCompletion")
        let line = try #require(trace.trace.firstIndex { $0.step == 2 })
        trace.trace[line].event = "something else"
        let outcome = try replay(trace, against: { watchdogModel() })
        guard case .noLongerReproduces(_, let step, let reason) = outcome else {
            Issue.record("expected no longer reproduces, got \(outcome.summary)")
            return
        }
        #expect(step == 2)
        #expect(reason.contains("was \"") && reason.contains("something else"), "\(reason)")
    }

    @Test func readingAResultChecksSchemaAndVersion() throws {
        let directory = NSTemporaryDirectory() + "fltcheck-replay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func write(_ text: String) throws -> String {
            let path = directory + "/\(UUID().uuidString).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        #expect(throws: ReplayError.self) { try readResultDocument(directory + "/missing.json") }
        #expect(throws: ReplayError.self) { try readResultDocument(try write("not json")) }
        #expect(throws: ReplayError.self) { try readResultDocument(try write("{\"schema\": \"other\", \"version\": 1}")) }
        #expect(throws: ReplayError.self) { try readResultDocument(try write("{\"schema\": \"fltcheck-result\", \"version\": 99}")) }
        let future = try write("{\"schema\": \"fltcheck-result\", \"version\": 99}")
        do {
            _ = try readResultDocument(future)
        } catch {
            #expect(error.description.contains("version 99"))
        }

        let checked = try check { watchdogModel() }
        let report = JSONReport(workingDirectory: reportRoot)
        let document = report.document(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
        let path = try write(try report.render(document))
        #expect(try readResultDocument(path) == document)
    }
}
