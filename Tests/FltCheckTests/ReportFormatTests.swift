import FltExplorer
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Testing

/// The package root: paths in reports are shown relative to it.
let reportRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A model built in-process, compiled, and checked.
struct Checked {
    let ir: ModelIR
    let program: Program
    let result: ExplorationResult
    let limits: Limits
    /// The file the model's locations point at (this test file).
    let path: String
}

func check(_ limits: Limits = Limits(), _ declarations: () -> Void) throws -> Checked {
    let envelope = captureModels(declarations)
    #expect(envelope.errors.isEmpty, "\(envelope.errors)")
    let ir = try #require(envelope.models.first)
    let program = try Program(ir)
    let result = Explorer(semantics: Semantics(program), limits: limits).run()
    return Checked(ir: ir, program: program, result: result, limits: limits, path: ir.location.file)
}

/// Two work items race on a check-then-act flag and both resume the read (NoDoubleCompletion), or,
/// `fixed`, test and set the flag atomically.
func watchdogModel(fixed: Bool = false) {
    _ = Model("WatchdogDoubleResume") {
        Workload { Requests(.read, count: 1, synchronous: false) }
        Filter("Scanner", altitude: 320_000) {
            let resumed = BoolVariable("resumed")
            let scan = WorkItem("Scan") {
                if fixed {
                    Atomic {
                        If(resumed == false) {
                            resumed.set(true)
                            CompletePendedPreOperation(Op.current, .successNoCallback)
                        }
                    }
                } else {
                    If(resumed == false) {
                        resumed.set(true)
                        CompletePendedPreOperation(Op.current, .successNoCallback)
                    }
                }
            }
            let watchdog = WorkItem("Watchdog") {
                if fixed {
                    Atomic {
                        If(resumed == false) {
                            resumed.set(true)
                            CompletePendedPreOperation(Op.current, .complete(.cancelled))
                        }
                    }
                } else {
                    If(resumed == false) {
                        resumed.set(true)
                        CompletePendedPreOperation(Op.current, .complete(.cancelled))
                    }
                }
            }
            PreOperation(.read) {
                If(Op.isFastIo || Op.isPaging || Op.isTopLevelIrp) { Return(.successNoCallback) }
                QueueDeferredIoWorkItem(scan) {
                    QueueDeferredIoWorkItem(watchdog) { Return(.pending) } onFailure: { Return(.pending) }
                } onFailure: {
                    Return(.successNoCallback)
                }
            }
        }
    }
}

/// A post-op work item that forgets FltCompletePendedPostOperation for a failed write
/// (PendedOperationsResumed, judged at the end state).
func forgottenPostResumeModel() {
    _ = Model("ForgottenPostResume") {
        Workload { Requests(.write, count: 1, fileSystem: .inline(.success, .accessDenied)) }
        Filter("SizeCache", altitude: 324_000) {
            let valid = BoolVariable("cachedSizeValid", initial: true)
            let update = WorkItem("UpdateSize") {
                If(Op.status == NTStatus.success) {
                    valid.set(false)
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

func passThroughModel() {
    _ = Model("PassThrough") {
        Workload { Requests(.read, count: 2) }
        Filter("PassThrough", altitude: 100_000) {
            PreOperation(.read) { Return(.successWithCallback) }
            PostOperation(.read) { Return(.finishedProcessing) }
        }
    }
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct JSONFormat {
    let report = JSONReport(workingDirectory: reportRoot)

    @Test func violationDocumentRoundTripsAndCarriesEveryField() throws {
        let checked = try check { watchdogModel() }
        let document = report.document(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
        let text = try report.render(document)
        let decoded = try JSONDecoder().decode(ResultDocument.self, from: Data(text.utf8))
        #expect(decoded == document)

        #expect(decoded.schema == "fltcheck-result")
        #expect(decoded.version == 1)
        #expect(decoded.verdict == "violated")
        #expect(decoded.exitCode == 1)
        #expect(decoded.exhaustive)
        #expect(decoded.error == nil)
        #expect(decoded.model.name == "WatchdogDoubleResume")
        #expect(decoded.model.path == "Tests/FltCheckTests/ReportFormatTests.swift")
        #expect(decoded.model.requests == ["READ #1"])
        #expect(decoded.statistics.states == checked.result.statesStored)
        #expect(decoded.properties.map(\.property.id) == Property.all.map(\.id))
        for entry in decoded.properties {
            if entry.property.id == "NoDoubleCompletion" {
                #expect(entry.status == "violated")
                #expect(entry.counterexample == 0)
            } else {
                #expect(entry.status == "holds")
                #expect(entry.counterexample == nil)
            }
        }

        let example = try #require(decoded.counterexamples.first)
        #expect(example.property.id == "NoDoubleCompletion")
        #expect(example.property.catalogIds == ["R2"])
        #expect(!example.atEndState)
        #expect(example.path.count == example.steps)
        #expect(example.path.map(\.step) == Array(1...example.steps))
        #expect(example.location?.file == "Tests/FltCheckTests/ReportFormatTests.swift")
        #expect(Set(example.trace.map(\.step)) == Set(1...example.steps))
        for line in example.trace {
            let transition = try #require(line.transition)
            #expect(transition.thread == example.path[line.step - 1].thread)
            #expect(transition.choices == example.path[line.step - 1].choices)
        }
        // Changes are split into name, from and to.
        let change = try #require(example.trace.flatMap(\.changes).first)
        #expect(change.name == "Scanner.resumed")
        #expect(change.from == "false")
        #expect(change.to == "true")
        #expect(example.trace.first?.operation == "READ #1")
        #expect(example.trace.contains { $0.actor.hasPrefix("worker Watchdog") })
        #expect(example.path.contains { $0.actor == "worker Scan(READ #1)" })
    }

    @Test func optionalFieldsAreWrittenAsNull() throws {
        let checked = try check { watchdogModel() }
        let text = try report.render(report.document(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits))
        let object = try jsonObject(text)
        #expect(object["error"] is NSNull)
        let bounds = try #require(object["bounds"] as? [String: Any])
        #expect(bounds["hit"] is NSNull)
        #expect(bounds["maxDepth"] is NSNull)
        let examples = try #require(object["counterexamples"] as? [[String: Any]])
        let trace = try #require(examples.first?["trace"] as? [[String: Any]])
        // The first line, issuing the request, has no model line.
        #expect(try #require(trace.first)["location"] is NSNull)

        // The closing line of a liveness violation concerns no request and has no transition.
        let live = try check { forgottenPostResumeModel() }
        let liveText = try report.render(report.document(model: live.ir, path: live.path, program: live.program, result: live.result, limits: live.limits))
        let liveExamples = try #require(try jsonObject(liveText)["counterexamples"] as? [[String: Any]])
        let closing = try #require((liveExamples.first?["trace"] as? [[String: Any]])?.last)
        #expect(closing["operation"] is NSNull)
        #expect(closing["operationIndex"] is NSNull)
        #expect(closing["transition"] is NSNull)
        for line in trace {
            for key in ["step", "actor", "operation", "operationIndex", "event", "changes", "changesText", "location", "transition"] {
                #expect(line[key] != nil, "trace line lacks \(key)")
            }
        }
    }

    @Test func livenessViolationEndsWithAClosingLineWithoutTransition() throws {
        let checked = try check { forgottenPostResumeModel() }
        let document = report.document(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
        let example = try #require(document.counterexamples.first { $0.property.id == "PendedOperationsResumed" })
        #expect(example.atEndState)
        #expect(example.path.count == example.steps)
        let last = try #require(example.trace.last)
        #expect(last.actor == "fltcheck")
        #expect(last.transition == nil)
        #expect(example.trace.dropLast().allSatisfy { $0.transition != nil })
    }

    @Test func boundHitIsInconclusive() throws {
        let checked = try check(Limits(maxStates: 3)) { passThroughModel() }
        let document = report.document(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
        #expect(document.verdict == "inconclusive")
        #expect(document.exitCode == 2)
        #expect(!document.exhaustive)
        #expect(document.bounds.maxStates == 3)
        #expect(document.bounds.hit?.kind == "states")
        #expect(document.properties.allSatisfy { $0.status == "inconclusive" })
    }

    @Test func holdsDocument() throws {
        let checked = try check { passThroughModel() }
        let document = report.document(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
        #expect(document.verdict == "holds")
        #expect(document.exitCode == 0)
        #expect(document.counterexamples.isEmpty)
        #expect(document.properties.allSatisfy { $0.status == "holds" })
    }

    @Test func modelErrorDocument() throws {
        let document = report.errorDocument(path: "Models/Missing.swift", message: "error: cannot read model Models/Missing.swift: no such file")
        let decoded = try JSONDecoder().decode(ResultDocument.self, from: Data(try report.render(document).utf8))
        #expect(decoded.verdict == "modelError")
        #expect(decoded.exitCode == 3)
        #expect(decoded.model.name == nil)
        #expect(decoded.model.path == "Models/Missing.swift")
        #expect(decoded.error?.contains("no such file") == true)
    }

    @Test func atomicWriteReplacesTheFileAndRejectsMissingDirectories() throws {
        let directory = NSTemporaryDirectory() + "fltcheck-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.json"
        try writeAtomically("first", to: path)
        try writeAtomically("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(throws: ReportWriteError.self) { try writeAtomically("x", to: directory + "/missing/out.json") }
        #expect(throws: ReportWriteError.self) { try writeAtomically("x", to: directory) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(leftovers == ["out.json"])
    }
}
