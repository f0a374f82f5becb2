import ArgumentParser
import FltExplorer
import FltLoader
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation

let exitCodes = """
    Exit codes:
      0  every property holds for every interleaving (exhaustive exploration)
      1  a property is violated (a counterexample trace is printed)
      2  inconclusive: a bound (--max-depth, --max-states) was hit before any violation was found
      3  model or usage error: unreadable file, Swift errors, no model, a crash, an invalid IR
    """

@main
struct FltCheck: ParsableCommand {
    /// Like ArgumentParser's own main, but a usage error exits 3 (model or usage error), not 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                FltCheck.exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(Verdict.modelError.rawValue)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "fltcheck",
        abstract: "Model checker for Windows file-system minifilters under the Filter Manager.",
        discussion: exitCodes,
        version: "0.1.0",
        subcommands: [Verify.self, Replay.self, Show.self, DumpIR.self, ListProperties.self, Explain.self],
        defaultSubcommand: nil)
}

/// Prints a load or model error and exits 3.
func failModel(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    Foundation.exit(Verdict.modelError.rawValue)
}

func loadModel(_ path: String, onError: (String) -> Void = { _ in }) -> LoadedModel {
    do {
        return try ModelLoader().load(path)
    } catch {
        onError(error.description)
        failModel(error.description)
    }
}

func compile(_ loaded: LoadedModel, onError: (String) -> Void = { _ in }) -> Program {
    do {
        return try Program(loaded.ir)
    } catch {
        var shown = error
        if let location = error.location {
            shown = ModelError(error.message, at: SourceLocation(file: TextReport().display(path: location.file), line: location.line))
        }
        onError(shown.description)
        failModel(shown.description)
    }
}

/// `--output` must name a file in an existing directory: checked before any work is done.
func validateOutput(_ output: String?) throws {
    guard let output else { return }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
        throw ValidationError("--output \(output) is a directory")
    }
    let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
    if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
        throw ValidationError("--output \(output): no such directory \(directory)")
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a model against every property for every interleaving.",
        discussion: """
            Compiles MODEL (a Swift file that imports FltModel) against the FltModel library, runs \
            it against fltcheck's model of the Filter Manager and explores every interleaving \
            breadth-first, so the first counterexample of each property is a shortest one.

            """ + exitCodes)

    @Argument(help: "The model file, e.g. Models/PassThrough.swift, or an IR saved by `fltcheck dump-ir` (.json).")
    var model: String

    @Option(help: "Do not expand states deeper than this many steps (hitting it makes the verdict inconclusive).")
    var maxDepth: Int?

    @Option(help: "Stop after storing this many distinct states (hitting it makes the verdict inconclusive).")
    var maxStates: Int?

    @Option(help: "The report's format: text, json (docs/json-format.md), sarif (2.1.0), junit (XML) or html (a trace view).")
    var format: OutputFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write the report to this file (atomically) and print only the verdict line.", valueName: "file"))
    var output: String?

    func validate() throws {
        if let maxDepth, maxDepth < 0 { throw ValidationError("--max-depth must be at least 0") }
        if let maxStates, maxStates < 1 { throw ValidationError("--max-states must be at least 1") }
        try validateOutput(output)
    }

    func run() throws {
        let loaded = loadModel(model, onError: reportModelError)
        let program = compile(loaded, onError: reportModelError)
        let limits = Limits(maxDepth: maxDepth, maxStates: maxStates)
        let explorer = Explorer(semantics: Semantics(program), limits: limits)
        let showProgress = isatty(STDERR_FILENO) == 1
        let result = explorer.run(progress: showProgress ? { states, depth in
            FileHandle.standardError.write(Data("\r  \(states) states, depth \(depth) ...".utf8))
        } : nil)
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let text = TextReport().render(model: loaded.ir, path: model, cached: loaded.cached, program: program, result: result, limits: limits)
        let report: String
        switch format {
        case .text: report = text + "\n"
        case .json: report = encoded { try JSONReport().render(JSONReport().document(model: loaded.ir, path: model, program: program, result: result, limits: limits)) }
        case .sarif: report = SARIFReport().render(model: loaded.ir, path: model, program: program, result: result, limits: limits)
        case .junit: report = JUnitReport().render(model: loaded.ir, path: model, program: program, result: result, limits: limits)
        case .html:
            let document = JSONReport().document(model: loaded.ir, path: model, program: program, result: result, limits: limits)
            report = HTMLReport.readingSources(for: document).render(document)
        }
        emit(report, summary: verdictLine(result))
        throw ExitCode(Verdict(result).rawValue)
    }

    /// Prints the report, or writes it to `--output` and prints the verdict line.
    func emit(_ report: String, summary: String) {
        guard let output else {
            FileHandle.standardOutput.write(Data(report.utf8))
            return
        }
        do {
            try writeAtomically(report, to: output)
        } catch {
            failModel(error.description)
        }
        print("\(summary); \(format.rawValue) report written to \(output)")
    }

    func encoded(_ render: () throws -> String) -> String {
        do {
            return try render()
        } catch {
            failModel(ReportWriteError.cannotEncode(format: format.rawValue, reason: "\(error)").description)
        }
    }

    /// A model error: besides the message on stderr, a json, sarif or junit report says so, so CI
    /// that reads the report sees why nothing was checked.
    func reportModelError(_ message: String) {
        guard format != .text || output != nil else { return }
        let report: String
        switch format {
        case .text: report = message + "\n"
        case .json: report = (try? JSONReport().render(JSONReport().errorDocument(path: model, message: message))) ?? ""
        case .sarif: report = SARIFReport().renderError(path: model, message: message)
        case .junit: report = JUnitReport().renderError(path: model, message: message)
        case .html: report = HTMLReport().render(JSONReport().errorDocument(path: model, message: message))
        }
        if let output {
            try? writeAtomically(report, to: output)
        } else {
            FileHandle.standardOutput.write(Data(report.utf8))
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run a saved counterexample (verify --format json) against the model.",
        discussion: """
            Takes each step of the saved trace again from the model's initial state: the same \
            thread, the same nondeterministic choices, and checks that the step does the same \
            things (actors and events). Reports "reproduced: PROPERTY at step N" when the \
            violation comes back, or "no longer reproduces: PROPERTY: step N ..." naming the first \
            step that can no longer be taken and why (its thread cannot run or is another thread, a \
            choice is out of range, its events differ), or that the last step no longer violates \
            the property. A fixed bug's saved trace is a regression check.

            The model is MODEL when given, else the one the result names (its absolute path, \
            then its path relative to the working directory).

            Exit codes:
              0  no longer reproduces (every counterexample replayed)
              1  reproduced: a saved violation came back
              3  model or usage error: unreadable trace or model, not a fltcheck-result, an invalid model
            """)

    @Argument(help: "A result written by `fltcheck verify --format json` (docs/json-format.md).")
    var trace: String

    @Argument(help: "The model to replay against; default: the model named in the trace.")
    var model: String?

    @Option(help: "Replay only the counterexample of this property (default: every one in the trace).")
    var property: String?

    func run() throws {
        let document: ResultDocument
        do {
            document = try readResultDocument(trace)
        } catch {
            failModel(error.description)
        }
        var examples = document.counterexamples
        if examples.isEmpty { failModel(ReplayError.nothingToReplay(path: trace, verdict: document.verdict).description) }
        if let property {
            examples = examples.filter { $0.property.id == property }
            if examples.isEmpty {
                failModel(ReplayError.noSuchCounterexample(path: trace, property: property, available: document.counterexamples.map(\.property.id)).description)
            }
        }
        let modelPath = model ?? [document.model.absolutePath, document.model.path].first { FileManager.default.fileExists(atPath: $0) } ?? document.model.path
        let loaded = loadModel(modelPath)
        let program = compile(loaded)
        if let saved = document.model.name, saved != loaded.ir.name {
            FileHandle.standardError.write(Data("note: the trace is of model \"\(saved)\"; replaying it against model \"\(loaded.ir.name)\"\n".utf8))
        }
        let replayer = TraceReplayer(semantics: Semantics(program))
        var reproduced = false
        print("fltcheck: replaying \(examples.count == 1 ? "1 counterexample" : "\(examples.count) counterexamples") from \(TextReport().display(path: trace)) against model \"\(loaded.ir.name)\" (\(TextReport().display(path: modelPath)))")
        for example in examples {
            let outcome = replayer.replay(example)
            reproduced = reproduced || outcome.reproduced
            print(outcome.summary)
        }
        throw ExitCode(reproduced ? Verdict.violated.rawValue : Verdict.holds.rawValue)
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a saved result (verify --format json) as one self-contained HTML page.",
        discussion: """
            Swim lanes per actor (each request's originator, the workers, FltMgr, the file \
            system), the events in order with the state they changed and the model lines they \
            point at, and the violated property with its rule. The page loads nothing from \
            elsewhere; model lines are read from the model files when they are still there.

            Exit codes:
              0  the page was written
              3  usage error: unreadable or invalid result, the output cannot be written
            """)

    @Argument(help: "A result written by `fltcheck verify --format json` (docs/json-format.md).")
    var trace: String

    @Option(name: [.short, .long], help: ArgumentHelp("Write the page to this file (atomically); default: stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
        try validateOutput(output)
    }

    func run() throws {
        let document: ResultDocument
        do {
            document = try readResultDocument(trace)
        } catch {
            failModel(error.description)
        }
        let page = HTMLReport.readingSources(for: document).render(document)
        guard let output else {
            FileHandle.standardOutput.write(Data(page.utf8))
            return
        }
        do {
            try writeAtomically(page, to: output)
        } catch {
            failModel(error.description)
        }
        print("wrote \(output): \(document.counterexamples.count == 1 ? "1 counterexample" : "\(document.counterexamples.count) counterexamples") of model \"\(document.model.name ?? document.model.path)\"")
    }
}

struct DumpIR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump-ir",
        abstract: "Print a model's IR as JSON (after checking that it is valid).",
        discussion: exitCodes)

    @Argument(help: "The model file.")
    var model: String

    func run() throws {
        let loaded = loadModel(model)
        _ = compile(loaded)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(loaded.ir)
        print(String(decoding: data, as: UTF8.self))
    }
}

struct ListProperties: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the properties fltcheck checks: id, catalog rule, kind, severity, source.")

    func run() throws {
        let width = Property.all.map(\.id.count).max() ?? 20
        for property in Property.all {
            let ids = property.catalogIds.isEmpty ? "-" : property.catalogIds.joined(separator: ",")
            print("\(property.id.padding(toLength: width + 2, withPad: " ", startingAt: 0))\(ids.padding(toLength: 7, withPad: " ", startingAt: 0))\(property.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))\(property.severity.rawValue)")
            print("    \(property.rule)")
            print("    source: \(property.source)")
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain one property: its rule, kind, severity, doc sources and a model that breaks it.",
        discussion: "Run `fltcheck list` for the ids. The example model is shown when it is found under the current directory (run from the fltcheck checkout).")

    @Argument(help: "A property id, e.g. NoDoubleCompletion, or a catalog id such as R2.")
    var id: String

    func run() throws {
        guard let property = Property.named(id) ?? Property.all.first(where: { $0.catalogIds.contains(id.uppercased()) }) else {
            failModel("error: no property \"\(id)\"; `fltcheck list` shows them all")
        }
        let ids = property.catalogIds.isEmpty ? "" : " (catalog \(property.catalogIds.joined(separator: ", ")))"
        print("\(property.id)\(ids): \(property.kind.rawValue), \(property.severity.rawValue)")
        print("")
        print(property.rule)
        print("")
        print("source: \(property.source)")
        guard let example = property.exampleModel else { return }
        print("")
        if let text = FileManager.default.contents(atPath: example) {
            print("a model that breaks it (\(example)):")
            print("")
            print(String(decoding: text, as: UTF8.self))
        } else {
            print("a model that breaks it: \(example) in the fltcheck repository")
        }
    }
}
