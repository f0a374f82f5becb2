import Foundation

/// One self-contained HTML page of a result (`fltcheck show`, `verify --format html`): for each
/// counterexample the violated property and its rule, then the trace as swim lanes, one column per
/// actor (each request's originator, the work items' workers, FltMgr, the file system), one row per
/// event in order, with the state it changed and the model line it points at. No external
/// resources: styles and the small script are inline.
public struct HTMLReport: Sendable {
    /// The text of a model file's lines, by the `file` of a location; nil when it cannot be read.
    public let sourceLines: @Sendable (String) -> [String]?

    public init(sourceLines: @escaping @Sendable (String) -> [String]? = { _ in nil }) {
        self.sourceLines = sourceLines
    }

    /// Reads model lines from disk: a relative `file` is looked up under the directory the result
    /// was written from (`model.absolutePath` less `model.path`), then the working directory.
    public static func readingSources(for document: ResultDocument) -> HTMLReport {
        var roots: [String] = []
        if document.model.absolutePath.hasSuffix(document.model.path), !document.model.path.hasPrefix("/") {
            roots.append(String(document.model.absolutePath.dropLast(document.model.path.count)))
        }
        roots.append(FileManager.default.currentDirectoryPath + "/")
        let candidates = roots
        return HTMLReport { file in
            let paths = file.hasPrefix("/") ? [file] : candidates.map { $0 + file }
            for path in paths {
                if let data = FileManager.default.contents(atPath: path) {
                    return String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
                }
            }
            return nil
        }
    }

    public func render(_ document: ResultDocument) -> String {
        var body: [String] = []
        let title = "fltcheck: \(document.model.name ?? document.model.path): \(document.verdict)"
        body.append("<header>")
        body.append("<h1>\(htmlEscape(document.model.name ?? document.model.path)) <span class=\"verdict \(htmlEscape(document.verdict))\">\(htmlEscape(verdictText(document)))</span></h1>")
        body.append("<p class=\"meta\">model <code>\(htmlEscape(document.model.path))</code> · \(document.model.filters.count) filter\(document.model.filters.count == 1 ? "" : "s") (\(htmlEscape(document.model.filters.joined(separator: ", ")))) · requests \(htmlEscape(document.model.requests.joined(separator: ", ")))</p>")
        body.append("<p class=\"meta\">explored \(document.statistics.states) states, \(document.statistics.transitions) transitions, depth \(document.statistics.depth), \(String(format: "%.3f", document.statistics.seconds)) s · \(htmlEscape(bounds(document))) · exit \(document.exitCode) · \(htmlEscape(document.tool.name)) \(htmlEscape(document.tool.version))</p>")
        if let error = document.error { body.append("<pre class=\"error\">\(htmlEscape(error))</pre>") }
        body.append("</header>")

        if !document.properties.isEmpty {
            body.append("<details class=\"properties\"\(document.counterexamples.isEmpty ? " open" : "")><summary>properties (\(document.properties.count))</summary><table>")
            body.append("<tr><th>status</th><th>property</th><th>catalog</th><th>kind</th><th>rule</th></tr>")
            for entry in document.properties {
                body.append("<tr class=\"\(htmlEscape(entry.status))\"><td>\(htmlEscape(entry.status))</td><td>\(htmlEscape(entry.property.id))</td><td>\(htmlEscape(entry.property.catalogIds.joined(separator: ", ")))</td><td>\(htmlEscape(entry.property.kind))</td><td>\(htmlEscape(entry.property.rule))</td></tr>")
            }
            body.append("</table></details>")
        }

        for (index, example) in document.counterexamples.enumerated() {
            body.append(contentsOf: section(example, index: index, requests: document.model.requests, randomSearch: document.bounds.hit?.kind == "randomSearch",
                depthFirst: document.statistics.search?.strategy == "dfs"))
        }
        return page(title: title, body: body.joined(separator: "\n"))
    }

    private func verdictText(_ document: ResultDocument) -> String {
        switch document.verdict {
        case "holds": "holds"
        case "violated": "VIOLATED: " + document.counterexamples.filter { $0.property.severity == "error" }.map(\.property.id).joined(separator: ", ")
        case "inconclusive": "inconclusive"
        default: "model error"
        }
    }

    private func bounds(_ document: ResultDocument) -> String {
        if let hit = document.bounds.hit { return "NOT exhaustive: \(hit.description)" }
        return document.exhaustive ? "exhaustive" : "not explored"
    }

    /// Lanes: originators, then workers and other threads, then FltMgr, the file system, fltcheck.
    func lanes(_ trace: [TraceStep]) -> [String] {
        var seen: [String] = []
        for line in trace where !seen.contains(line.actor) { seen.append(line.actor) }
        func rank(_ actor: String) -> Int {
            if actor.contains("originator") { return 0 }
            if actor == "FltMgr" { return 2 }
            if actor == "file system" { return 3 }
            if actor == "fltcheck" { return 4 }
            return 1
        }
        return seen.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    private func section(_ example: TraceDocument, index: Int, requests: [String], randomSearch: Bool, depthFirst: Bool) -> [String] {
        var out: [String] = []
        let property = example.property
        let catalog = property.catalogIds.isEmpty ? "" : " (\(property.catalogIds.joined(separator: ", ")))"
        out.append("<section class=\"counterexample\" id=\"cx\(index)\">")
        out.append("<h2><span class=\"badge \(htmlEscape(property.severity))\">\(property.severity == "error" ? "VIOLATED" : "WARNING")</span> \(htmlEscape(property.id))\(htmlEscape(catalog)) <small>\(htmlEscape(property.kind))</small></h2>")
        out.append("<dl>")
        out.append("<dt>rule</dt><dd class=\"rule\">\(htmlEscape(property.rule))</dd>")
        out.append("<dt>source</dt><dd>\(htmlEscape(property.source))</dd>")
        out.append("<dt>found</dt><dd class=\"found\">\(htmlEscape(example.message))</dd>")
        if let location = example.location {
            out.append("<dt>at</dt><dd>\(locationHTML(location))</dd>")
        }
        let origin = randomSearch ? "shrunk from a random walk, not necessarily a shortest one"
            : depthFirst ? "found depth-first, not necessarily a shortest one" : "a shortest one"
        out.append("<dt>trace</dt><dd>\(origin): \(example.steps) step\(example.steps == 1 ? "" : "s")\(example.atEndState ? ", then no thread can make progress" : "")</dd>")
        out.append("</dl>")

        let lanes = lanes(example.trace)
        let columns = "4em 6em " + Array(repeating: "minmax(14em, 1fr)", count: lanes.count).joined(separator: " ")
        out.append("<div class=\"lanes\" style=\"grid-template-columns: \(columns)\" role=\"table\">")
        out.append("<div class=\"head\">step</div><div class=\"head\">request</div>" + lanes.map { "<div class=\"head lane\">\(htmlEscape($0))</div>" }.joined())
        var lastStep = 0
        for (row, line) in example.trace.enumerated() {
            let lane = (lanes.firstIndex(of: line.actor) ?? 0) + 3
            let stepText = line.step == lastStep ? "" : "\(line.step)."
            let newStep = line.step != lastStep
            lastStep = line.step
            let violating = line.event.hasPrefix("violates ") || line.actor == "fltcheck"
            let rowClass = (newStep ? " first" : "") + (violating ? " violation" : "")
            let gridRow = row + 2
            out.append("<div class=\"step\(rowClass)\" style=\"grid-row: \(gridRow)\">\(stepText)</div>")
            out.append("<div class=\"op\(rowClass)\" style=\"grid-row: \(gridRow)\">\(htmlEscape(line.operation ?? ""))</div>")
            for column in 3..<(lanes.count + 3) where column != lane {
                out.append("<div class=\"gap\(rowClass)\" style=\"grid-row: \(gridRow); grid-column: \(column)\"></div>")
            }
            var cell = "<div class=\"event\(rowClass)\" style=\"grid-row: \(gridRow); grid-column: \(lane)\" data-op=\"\(htmlEscape(line.operation ?? ""))\" data-step=\"\(line.step)\">"
            cell += "<div class=\"text\">\(htmlEscape(line.event))</div>"
            if !line.changesText.isEmpty {
                let changes = line.changes.count == line.changesText.count
                    ? line.changes.map { "<span class=\"change\"><b>\(htmlEscape($0.name))</b> \(htmlEscape($0.from)) → \(htmlEscape($0.to))</span>" }
                    : line.changesText.map { "<span class=\"change\">\(htmlEscape($0))</span>" }
                cell += "<div class=\"changes\">\(changes.joined(separator: " "))</div>"
            }
            if let location = line.location { cell += "<div class=\"loc\">\(locationHTML(location))</div>" }
            cell += "</div>"
            out.append(cell)
        }
        out.append("</div>")
        out.append("</section>")
        return out
    }

    private func locationHTML(_ location: LocationInfo) -> String {
        var html = "<code class=\"where\">\(htmlEscape(location.file)):\(location.line)</code>"
        if let lines = sourceLines(location.file), location.line >= 1, location.line <= lines.count {
            html += " <code class=\"source\">\(htmlEscape(lines[location.line - 1].trimmingCharacters(in: .whitespaces)))</code>"
        }
        return html
    }

    private func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="fltcheck">
        <title>\(htmlEscape(title))</title>
        <style>
        :root { --fg: #1d2125; --muted: #5c6670; --line: #d6dbe0; --bad: #b3261e; --badbg: #fdecea; --ok: #1e7b34; --warn: #8a5a00; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 1.5em; background: #fff; }
        h1 { font-size: 1.5em; margin: 0 0 .3em; } h2 { font-size: 1.2em; margin: 1.5em 0 .5em; }
        code { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
        .meta { color: var(--muted); margin: .2em 0; }
        .verdict { font-size: .75em; padding: .15em .5em; border-radius: 4px; vertical-align: middle; }
        .verdict.violated, .verdict.modelError { background: var(--badbg); color: var(--bad); }
        .verdict.holds { background: #e7f5ea; color: var(--ok); } .verdict.inconclusive { background: #fff4d6; color: var(--warn); }
        .badge { font-size: .8em; padding: .1em .45em; border-radius: 4px; background: var(--badbg); color: var(--bad); }
        .badge.advisory { background: #fff4d6; color: var(--warn); }
        pre.error { background: var(--badbg); padding: .8em; white-space: pre-wrap; }
        details.properties { margin: 1em 0; } details table { border-collapse: collapse; margin-top: .5em; }
        details td, details th { border-bottom: 1px solid var(--line); padding: .2em .6em; text-align: left; vertical-align: top; }
        tr.violated td:first-child { color: var(--bad); font-weight: 600; } tr.holds td:first-child { color: var(--ok); }
        tr.inconclusive td:first-child { color: var(--warn); }
        dl { display: grid; grid-template-columns: 5em 1fr; gap: .2em .8em; margin: 0 0 1em; } dt { color: var(--muted); } dd { margin: 0; }
        dd.found { color: var(--bad); font-weight: 600; }
        .lanes { display: grid; gap: 0; border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; }
        .lanes > div { padding: .3em .5em; border-top: 1px solid #eef1f3; }
        .lanes > div.first { border-top: 1px solid var(--line); }
        .head { position: sticky; top: 0; background: #f3f5f7; font-weight: 600; border-bottom: 1px solid var(--line); grid-row: 1; }
        .head.lane { border-left: 1px solid var(--line); }
        .step { color: var(--muted); text-align: right; grid-column: 1; } .op { color: var(--muted); grid-column: 2; white-space: nowrap; }
        .gap { border-left: 1px dashed #e3e7ea; }
        .event { border-left: 1px dashed #e3e7ea; background: #f7f9fb; overflow-wrap: anywhere; }
        .event.violation { background: var(--badbg); color: var(--bad); font-weight: 600; }
        .event.highlight { outline: 2px solid #4a7bd0; outline-offset: -2px; }
        .changes { margin-top: .2em; } .change { display: inline-block; background: #e8eefc; border-radius: 3px; padding: 0 .35em; margin: 0 .2em .1em 0; font-size: 12px; }
        .loc { margin-top: .15em; color: var(--muted); } .loc .source { color: #3a4a5a; background: #eef1f3; padding: 0 .3em; border-radius: 3px; }
        </style>
        </head>
        <body>
        \(body)
        <script>
        (function () {
          "use strict";
          var root = document.documentElement;
          window.addEventListener("error", function (e) { root.setAttribute("data-script-error", String(e.message)); });
          // Clicking an event highlights every event of the same request.
          document.querySelectorAll(".event").forEach(function (cell) {
            cell.addEventListener("click", function () {
              var op = cell.getAttribute("data-op");
              document.querySelectorAll(".event").forEach(function (other) {
                other.classList.toggle("highlight", op !== "" && other.getAttribute("data-op") === op);
              });
            });
          });
          root.setAttribute("data-rendered", String(document.querySelectorAll(".event").length));
        })();
        </script>
        </body>
        </html>

        """
    }
}

/// Escapes text for HTML content and attribute values.
func htmlEscape(_ text: String) -> String {
    // Over UTF-8 bytes, not Characters: only ASCII is escaped, and no byte of a multi-byte sequence
    // is ASCII (walking Characters cost 400 instructions a byte).
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
        case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
        case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
        case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
        case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
        default: out.append(byte)
        }
    }
    return String(decoding: out, as: UTF8.self)
}
