import FltExplorer
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct JUnitFormat {
    let report = JUnitReport(workingDirectory: reportRoot)

    func junit(_ checked: Checked) -> String {
        report.render(model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
    }

    #if canImport(FoundationXML) || os(macOS)
    func parse(_ xml: String) throws -> XMLElement {
        let document = try XMLDocument(xmlString: xml, options: [])
        return try #require(document.rootElement())
    }

    func cases(_ root: XMLElement) throws -> [XMLElement] {
        try root.nodes(forXPath: "/testsuites/testsuite/testcase").compactMap { $0 as? XMLElement }
    }

    func attribute(_ element: XMLElement, _ name: String) -> String? {
        element.attribute(forName: name)?.stringValue
    }

    @Test func violationIsAFailingCaseWithTheTracePerModelAndProperty() throws {
        let checked = try check { watchdogModel() }
        let example = try #require(checked.result.counterexamples.first)
        let root = try parse(junit(checked))
        #expect(root.name == "testsuites")
        #expect(attribute(root, "tests") == String(Property.all.count))
        #expect(attribute(root, "failures") == "1")
        let suites = try root.nodes(forXPath: "/testsuites/testsuite").compactMap { $0 as? XMLElement }
        #expect(suites.count == 1)
        #expect(suites.first.flatMap { attribute($0, "name") } == "WatchdogDoubleResume")

        let testcases = try cases(root)
        #expect(testcases.map { attribute($0, "name") } == Property.all.map(\.id))
        #expect(testcases.allSatisfy { attribute($0, "classname") == "WatchdogDoubleResume" })
        for testcase in testcases {
            let failures = testcase.elements(forName: "failure")
            if attribute(testcase, "name") == "NoDoubleCompletion" {
                let failure = try #require(failures.first)
                #expect(attribute(failure, "message") == example.violation.message)
                #expect(attribute(failure, "type") == "R2")
                let body = try #require(failure.stringValue)
                #expect(body.contains("VIOLATED NoDoubleCompletion"))
                // The whole text trace, one line per event.
                for line in example.trace { #expect(body.contains(line.event.text)) }
                #expect(attribute(testcase, "line") == example.violation.location.map { String($0.line) })
                #expect(attribute(testcase, "file") == "Tests/FltCheckTests/ReportFormatTests.swift")
            } else {
                #expect(failures.isEmpty)
                #expect(testcase.elements(forName: "skipped").isEmpty)
            }
        }
        let properties = try root.nodes(forXPath: "/testsuites/testsuite/properties/property").compactMap { $0 as? XMLElement }
        let values = Dictionary(uniqueKeysWithValues: properties.compactMap { element in
            attribute(element, "name").map { ($0, attribute(element, "value") ?? "") }
        })
        #expect(values["verdict"] == "violated")
        #expect(values["exitCode"] == "1")
        #expect(values["exhaustive"] == "true")
    }

    @Test func inconclusiveCasesAreSkippedWithTheBound() throws {
        let root = try parse(junit(try check(Limits(maxStates: 3)) { passThroughModel() }))
        #expect(attribute(root, "skipped") == String(Property.all.count))
        #expect(attribute(root, "failures") == "0")
        for testcase in try cases(root) {
            let skipped = try #require(testcase.elements(forName: "skipped").first)
            #expect(attribute(skipped, "message")?.contains("--max-states 3") == true)
        }
    }

    @Test func holdsHasNoFailures() throws {
        let root = try parse(junit(try check { passThroughModel() }))
        #expect(attribute(root, "failures") == "0")
        #expect(attribute(root, "skipped") == "0")
        #expect(try cases(root).allSatisfy { $0.children == nil || $0.children?.isEmpty == true })
    }

    @Test func modelErrorIsAnErroredLoadCase() throws {
        let message = "Models/Broken.swift:3:5: error: cannot find 'Foo' in scope <&>\nerror: the model Models/Broken.swift does not compile (Swift errors above)"
        let root = try parse(report.renderError(path: "Models/Broken.swift", message: message))
        #expect(attribute(root, "errors") == "1")
        let testcase = try #require(try cases(root).first)
        #expect(attribute(testcase, "name") == "load")
        #expect(attribute(testcase, "classname") == "Broken")
        let error = try #require(testcase.elements(forName: "error").first)
        #expect(error.stringValue == message)
        #expect(attribute(error, "message") == "error: the model Models/Broken.swift does not compile (Swift errors above)")
    }
    #endif

    @Test func specialCharactersAreEscaped() throws {
        let message = "a \"b\" <c> & 'd'\ne\u{1}"
        let xml = report.renderError(path: "Models/Odd<&>.swift", message: message)
        #expect(!xml.contains("<&>"))
        #expect(!xml.contains("\u{1}"))
        #if canImport(FoundationXML) || os(macOS)
        let document = try XMLDocument(xmlString: xml, options: [])
        let error = try #require(try document.nodes(forXPath: "//error").first as? XMLElement)
        #expect(error.stringValue == "a \"b\" <c> & 'd'\ne")
        #endif
    }
}
