import FltExplorer
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Testing

/// A Chromium on PATH (`apt-get install chromium` on Debian), for rendering the trace view.
let chromium: String? = {
    let names = ["chromium", "chromium-browser", "google-chrome", "chrome", "chromium-headless-shell"]
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for name in names {
        if let path = directories.map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return path
        }
    }
    return nil
}()

func htmlDocument(_ checked: Checked) -> (ResultDocument, String) {
    let document = JSONReport(workingDirectory: reportRoot).document(
        model: checked.ir, path: checked.path, program: checked.program, result: checked.result, limits: checked.limits)
    let html = HTMLReport { file in
        let path = file.hasPrefix("/") ? file : reportRoot + "/" + file
        return (try? String(contentsOfFile: path, encoding: .utf8))?.components(separatedBy: "\n")
    }.render(document)
    return (document, html)
}

@Suite struct HTMLTraceView {
    @Test func pageIsSelfContainedWithALanePerActorAndTheRule() throws {
        let (document, html) = htmlDocument(try check { watchdogModel() })
        let example = try #require(document.counterexamples.first)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // Nothing is loaded from elsewhere.
        for reference in ["src=", "href=", "@import", "url(", "http://", "https://"] {
            #expect(!html.contains(reference), "the page refers to \(reference)")
        }
        // One lane per actor, one event cell per trace line, in order.
        for actor in Set(example.trace.map(\.actor)) {
            #expect(html.contains("<div class=\"head lane\">\(actor)</div>"), "no lane for \(actor)")
        }
        #expect(html.components(separatedBy: "<div class=\"event").count - 1 == example.trace.count)
        var cursor = html.startIndex
        for line in example.trace {
            let shown = line.event.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
            let found = try #require(html.range(of: shown, range: cursor..<html.endIndex), "event out of order: \(line.event)")
            cursor = found.upperBound
        }
        #expect(html.contains(example.property.rule))
        #expect(html.contains("NoDoubleCompletion (R2)"))
        // The changed state and the model's own line.
        #expect(html.contains("<b>Scanner.resumed</b> false → true"))
        #expect(html.contains("CompletePendedPreOperation(Op.current, .complete(.cancelled))"))
        #expect(html.contains("ReportFormatTests.swift:"))
    }

    @Test func textIsEscaped() throws {
        let document = JSONReport(workingDirectory: reportRoot).errorDocument(path: "Models/<script>.swift", message: "error: <script>alert(1)</script> & more")
        let html = HTMLReport().render(document)
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"))
    }

    @Test(.enabled(if: chromium != nil, "skipped: no Chromium on PATH (apt-get install chromium) to render the trace view with"))
    func headlessChromiumRendersThePageWithoutScriptErrors() throws {
        let browser = try #require(chromium)
        let (document, html) = htmlDocument(try check { watchdogModel() })
        let directory = NSTemporaryDirectory() + "fltcheck-html-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let page = directory + "/trace.html"
        try writeAtomically(html, to: page)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(directory)/profile", "--hide-scrollbars"]
        let wrapper = FileManager.default.isExecutableFile(atPath: "/usr/bin/timeout") ? "/usr/bin/timeout" : nil
        func browse(_ arguments: [String]) -> (status: Int32, output: String) {
            if let wrapper { return runProcess(wrapper, ["120", browser] + common + arguments) }
            return runProcess(browser, common + arguments)
        }

        // The script ran to its end: it counts the event cells into data-rendered, and an error
        // handler would have set data-script-error.
        let dom = browse(["--dump-dom", "file://" + page])
        #expect(dom.status == 0, "\(dom.output)")
        let trace = try #require(document.counterexamples.first?.trace)
        let htmlTag = try #require(dom.output.range(of: "<html[^>]*>", options: .regularExpression).map { String(dom.output[$0]) },
                                   "no <html> element in the rendered DOM:\n\(dom.output.prefix(2000))")
        #expect(htmlTag.contains("data-rendered=\"\(trace.count)\""), "the page's script did not run to its end: \(htmlTag)")
        #expect(!htmlTag.contains("data-script-error"), "script error in the page: \(htmlTag)")

        let screenshot = directory + "/trace.png"
        let shot = browse(["--window-size=1400,1000", "--screenshot=\(screenshot)", "file://" + page])
        #expect(shot.status == 0, "\(shot.output)")
        let png = try #require(FileManager.default.contents(atPath: screenshot), "no screenshot written")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "the screenshot is not a PNG")
        // A blank page compresses to a few kilobytes; the trace view is far more.
        #expect(png.count > 20_000, "the screenshot is nearly empty (\(png.count) bytes)")
    }
}
