import FltExplorer
import FltModel
import FltProperties
import FltSemantics
import Foundation

/// JUnit XML (`--format junit`), for CI test dashboards: a test suite per model, a test case per
/// model × property (`classname` the model's name, `name` the property id).
///
/// - violated (severity error): `<failure>` whose `message` is the violation and whose text is the
///   counterexample as the text report prints it.
/// - violated (severity advisory): passes; the warning and its trace are in `<system-out>`.
/// - inconclusive (a bound was hit, nothing violated): `<skipped>`, saying which bound. Nothing was
///   decided for the property, so it neither passed nor failed; the process still exits 2, which
///   fails a CI step that checks the exit code.
/// - model error (exit 3): one test case `load` with `<error>`: the check could not run.
public struct JUnitReport: Sendable {
    public let workingDirectory: String

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.workingDirectory = workingDirectory
    }

    private var text: TextReport { TextReport(workingDirectory: workingDirectory) }

    public func render(model: ModelIR, path: String, program: Program, result: ExplorationResult, limits: Limits) -> String {
        let verdict = Verdict(result)
        let examples = Dictionary(result.counterexamples.map { ($0.violation.property.id, $0) }, uniquingKeysWith: { first, _ in first })
        let file = text.display(path: absolute(path))
        let seconds = String(format: "%.3f", result.seconds)
        var failures = 0
        var skipped = 0
        var cases: [String] = []
        for property in Property.all {
            var attributes = [("classname", model.name), ("name", property.id), ("time", "0")]
            var body: [String] = []
            if let example = examples[property.id] {
                if let location = example.violation.location ?? example.trace.last(where: { $0.event.location != nil })?.event.location {
                    attributes += [("file", text.display(path: location.file)), ("line", String(location.line))]
                }
                let trace = text.render(example, program: program, search: result.randomSearch).joined(separator: "\n")
                if property.severity == .error {
                    failures += 1
                    let ids = property.catalogIds.isEmpty ? property.id : property.catalogIds.joined(separator: ",")
                    body.append("      <failure message=\"\(xmlAttribute(example.violation.message))\" type=\"\(xmlAttribute(ids))\">\(xmlText(trace))</failure>")
                } else {
                    body.append("      <system-out>\(xmlText(trace))</system-out>")
                }
            } else if !result.exhaustive {
                skipped += 1
                // A random search's description already says that nothing is proved.
                let reason = result.randomSearch.map { "inconclusive: \($0)" }
                    ?? "inconclusive: \(result.bound.map(\.description) ?? "a bound was hit"); no violation found within the bounds, nothing proved"
                body.append("      <skipped message=\"\(xmlAttribute(reason))\"/>")
            }
            let open = "    <testcase " + attributes.map { "\($0.0)=\"\(xmlAttribute($0.1))\"" }.joined(separator: " ")
            cases.append(body.isEmpty ? open + "/>" : open + ">\n" + body.joined(separator: "\n") + "\n    </testcase>")
        }
        let properties: [(String, String)] = [
            ("model", model.name), ("modelPath", file), ("verdict", verdictName(verdict)), ("exitCode", String(verdict.rawValue)),
            ("exhaustive", String(result.exhaustive)), ("states", String(result.statesStored)),
            ("transitions", String(result.transitions)), ("depth", String(result.depth)),
            ("maxDepth", limits.maxDepth.map(String.init) ?? "none"), ("maxStates", limits.maxStates.map(String.init) ?? "none"),
        ]
        let counts = "tests=\"\(Property.all.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" time=\"\(seconds)\""
        var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        out.append("<testsuites name=\"fltcheck\" \(counts)>")
        out.append("  <testsuite name=\"\(xmlAttribute(model.name))\" \(counts) file=\"\(xmlAttribute(file))\">")
        out.append("    <properties>")
        out += properties.map { "      <property name=\"\(xmlAttribute($0.0))\" value=\"\(xmlAttribute($0.1))\"/>" }
        out.append("    </properties>")
        out += cases
        out.append("    <system-out>\(xmlText(verdictLine(result)))</system-out>")
        out.append("  </testsuite>")
        out.append("</testsuites>")
        return out.joined(separator: "\n") + "\n"
    }

    /// A model that could not be checked: one test case, `load`, in error.
    public func renderError(path: String, message: String) -> String {
        let file = text.display(path: absolute(path))
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let counts = "tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0\""
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="fltcheck" \(counts)>
              <testsuite name="\(xmlAttribute(name))" \(counts) file="\(xmlAttribute(file))">
                <properties>
                  <property name="modelPath" value="\(xmlAttribute(file))"/>
                  <property name="verdict" value="modelError"/>
                  <property name="exitCode" value="3"/>
                </properties>
                <testcase classname="\(xmlAttribute(name))" name="load" file="\(xmlAttribute(file))" time="0">
                  <error message="\(xmlAttribute(firstLine(message)))" type="modelError">\(xmlText(message))</error>
                </testcase>
              </testsuite>
            </testsuites>

            """
    }

    private func firstLine(_ message: String) -> String {
        // The last line says what is wrong (swiftc's diagnostics come before it).
        message.split(separator: "\n").last.map(String.init) ?? message
    }

    private func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true)).standardizedFileURL.path
    }
}

/// Characters XML 1.0 cannot carry at all are dropped.
private func xmlAllowed(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
}

func xmlText(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars where xmlAllowed(scalar) {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

func xmlAttribute(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars where xmlAllowed(scalar) {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\n": out += "&#10;"
        case "\r": out += "&#13;"
        case "\t": out += "&#9;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
