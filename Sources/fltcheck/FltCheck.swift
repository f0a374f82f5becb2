import ArgumentParser
import FltExplorer
import FltLoader
import FltModel
import FltProperties
import FltReport
import FltSemantics
import Foundation
import Synchronization

let exitCodes = """
    Exit codes:
      0  every property holds for every interleaving (exhaustive exploration)
      1  a property is violated (a counterexample trace is printed)
      2  inconclusive: a bound (--max-depth, --max-states, --max-memory) or Ctrl-C stopped the search
         before any violation was found, or --strategy random found none (random search never proves),
         or --engine bmc found none within --depth, or Z3 could not decide within --solver-timeout
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
        subcommands: [Verify.self, Prove.self, Init.self, Replay.self, Show.self, DumpIR.self, ListProperties.self, Explain.self],
        defaultSubcommand: nil)
}

/// Prints a load or model error and exits 3.
func failModel(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    Foundation.exit(Verdict.modelError.rawValue)
}

func loadModel(_ path: String, parameters: [String: String] = [:], onError: (String) -> Void = { _ in }) -> LoadedModel {
    do {
        return try ModelLoader().load(path, parameters: parameters)
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

/// `--param NAME=VALUE` options as a dictionary; a malformed or repeated one is a usage error.
func parseParameters(_ options: [String]) throws -> [String: String] {
    var parameters: [String: String] = [:]
    for option in options {
        guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
            throw ValidationError("--param \(option): write --param NAME=VALUE, e.g. --param N=3")
        }
        let name = String(option[..<equals])
        if parameters[name] != nil { throw ValidationError("--param \(name) is given twice") }
        parameters[name] = String(option[option.index(after: equals)...])
    }
    return parameters
}

/// Writes `text` to `output` atomically (a failure exits 3), or to stdout when there is no
/// `output`. Returns whether it went to the file.
func deliver(_ text: String, to output: String?) -> Bool {
    guard let output else {
        FileHandle.standardOutput.write(Data(text.utf8))
        return false
    }
    do {
        try writeAtomically(text, to: output)
    } catch {
        failModel(error.description)
    }
    return true
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

/// One model's check, run now or taken from the verdict cache.
struct CheckedModel {
    var summary: String
    var exitCode: Int32
    var document: ResultDocument
    /// Each format's report by raw value.
    var reports: [String: String]
    /// The cache entry it came from, nil when it was checked now.
    var cached: CachedVerdict?

    func report(_ format: OutputFormat) -> String {
        if format == .text, let cached { return cached.textReport ?? "" }
        return reports[format.rawValue] ?? ""
    }
}

/// The verdict cache key of checking `path` with `limits`, nil when the model cannot be read (it is
/// then checked, and fails, without the cache). See `CachedVerdict` for what goes in.
func verdictCacheKey(
    _ path: String, limits: Limits, parameters: [String: String], search: SearchOptions, mergeLocalSteps: Bool, solverTimeout: UInt32,
    loader: ModelLoader
) -> String? {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    guard let bytes = FileManager.default.contents(atPath: absolute) else { return nil }
    // An executable replaced while it runs (a rebuild) has no identity: no cache then.
    let executable = fileIdentity("/proc/self/exe")
    if executable.hasPrefix("/proc/") || executable.hasSuffix("|-1|0") { return nil }
    let parts = [
        "fltcheck-verdict-cache-v1", absolute, FileManager.default.currentDirectoryPath,
        fltcheckVersion, executable, loader.toolchainIdentity,
        "maxDepth=\(limits.maxDepth.map(String.init) ?? "none")", "maxStates=\(limits.maxStates.map(String.init) ?? "none")",
        "maxMemory=\(limits.maxMemory.map(String.init) ?? "none")",
        "strategy=\(search.strategy.rawValue)", "symmetry=\(search.symmetry)", "hashCompaction=\(search.hashCompaction)",
        "stopAtFirst=\(search.stopAtFirstViolation)", "forgetCompleted=\(search.forgetCompleted)",
        "threadSymmetry=\(search.threadSymmetry)",
        "mergeLocalSteps=\(mergeLocalSteps)",
        "solverTimeout=\(solverTimeout)",
    ] + parameters.sorted { $0.key < $1.key }.map { "param \($0.key)=\($0.value)" }
    return sha256Hex([bytes] + parts.map { Data($0.utf8) })
}

/// The verdict cache key of checking `path` with `search`; nil for random runs, which skip the
/// cache (their seed is fresh unless named, and a time budget makes the result depend on the machine).
func verdictCacheKey(
    _ path: String, limits: Limits, parameters: [String: String], search: SearchPlan, mergeLocalSteps: Bool, solverTimeout: UInt32,
    loader: ModelLoader
) -> String? {
    search.exhaustiveOptions.flatMap {
        verdictCacheKey(path, limits: limits, parameters: parameters, search: $0, mergeLocalSteps: mergeLocalSteps, solverTimeout: solverTimeout, loader: loader)
    }
}

/// Checks one model: from the verdict cache when `useCache` and an entry is there, else loads,
/// compiles and explores it, renders every format and stores the result in the cache. A model
/// error is returned as its message (and never cached). `compiledAhead`: this run compiled the
/// model before (`ModelLoader.prepare`), so the report says it was built, not taken from the cache.
func checkModel(
    _ path: String, limits: Limits, parameters: [String: String] = [:], search: SearchPlan = .exhaustive(SearchOptions(jobs: defaultJobs)),
    mergeLocalSteps: Bool = true, solverTimeout: UInt32 = 10_000, useCache: Bool, showProgress: Bool, compiledAhead: Bool = false
) -> Result<CheckedModel, ModelFailure> {
    let loader: ModelLoader
    do {
        loader = try ModelLoader()
    } catch {
        return .failure(ModelFailure(message: error.description))
    }
    let cache = VerdictCache(cacheDirectory: loader.cacheDirectory)
    let key = verdictCacheKey(path, limits: limits, parameters: parameters, search: search, mergeLocalSteps: mergeLocalSteps, solverTimeout: solverTimeout, loader: loader)
    if useCache, let key, let entry = cache.lookup(key) {
        return .success(CheckedModel(summary: entry.summary, exitCode: entry.exitCode, document: entry.document, reports: entry.reports, cached: entry))
    }
    let loaded: LoadedModel
    do {
        loaded = try loader.load(path, parameters: parameters)
    } catch {
        return .failure(ModelFailure(message: error.description))
    }
    let program: Program
    do {
        program = try Program(loaded.ir)
    } catch {
        var shown = error
        if let location = error.location {
            shown = ModelError(error.message, at: SourceLocation(file: TextReport().display(path: location.file), line: location.line))
        }
        return .failure(ModelFailure(message: shown.description))
    }
    let result: ExplorationResult
    if case .bmc(let depth) = search {
        switch boundedModelCheck(program, depth: depth, limits: limits, mergeLocalSteps: mergeLocalSteps, solverTimeout: solverTimeout) {
        case .success(let checked): result = checked
        case .failure(let failure): return .failure(failure)
        }
    } else {
        result = search.explore(
            Semantics(program, solverTimeoutMilliseconds: solverTimeout, mergeLocalSteps: mergeLocalSteps), limits: limits, showProgress: showProgress)
    }
    let document = JSONReport().document(model: loaded.ir, path: path, program: program, result: result, limits: limits)
    let json: String
    do {
        json = try JSONReport().render(document)
    } catch {
        return .failure(ModelFailure(message: ReportWriteError.cannotEncode(format: "json", reason: "\(error)").description))
    }
    let reports: [String: String] = [
        OutputFormat.text.rawValue: TextReport().render(model: loaded.ir, path: path, cached: loaded.cached && !compiledAhead, program: program, result: result, limits: limits) + "\n",
        OutputFormat.json.rawValue: json,
        OutputFormat.sarif.rawValue: SARIFReport().render(model: loaded.ir, path: path, program: program, result: result, limits: limits),
        OutputFormat.junit.rawValue: JUnitReport().render(model: loaded.ir, path: path, program: program, result: result, limits: limits),
        OutputFormat.html.rawValue: HTMLReport.readingSources(for: document).render(document),
    ]
    let summary = verdictLine(result)
    // A run cut short by Ctrl-C, the memory of the moment or Z3 running out of time says nothing repeatable.
    let repeatable = switch result.bound {
    case .interrupted?, .memory?, .solverUnknown?: false
    default: true
    }
    if let key, repeatable {
        cache.store(CachedVerdict(key: key, summary: summary, document: document, reports: reports))
    }
    return .success(CheckedModel(summary: summary, exitCode: Verdict(result).rawValue, document: document, reports: reports, cached: nil))
}

struct ModelFailure: Error {
    var message: String
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a model against every property for every interleaving; with no MODEL, every model of fltcheck.json.",
        discussion: """
            Compiles MODEL (a Swift file that imports FltModel) against the FltModel library, runs \
            it against fltcheck's model of the Filter Manager and explores every interleaving \
            breadth-first, so the first counterexample of each property is a shortest one.

            With no MODEL, reads ./fltcheck.json (or --config FILE): {"version": 1, "models": \
            [{"path": "Models/X.swift", "expect": "holds" or {"violated": ["PropertyId", ...]}, \
            "maxDepth": N, "maxStates": N, "parameters": {"N": 3}}, ...]}, checks every model (paths relative to the \
            config's directory; --max-depth/--max-states apply to models that set no bound of \
            their own), prints one line per model and exits with the worst result: 3 if the \
            config or a model is in error, else 1 if a verdict is not the expected one, else 2 if \
            one is inconclusive, else 0. A model expected violated that is violated with exactly \
            the listed properties is as expected.

            Verdicts are cached (in $FLTCHECK_CACHE_DIR/verdicts): when neither the model, nor \
            fltcheck, nor the bounds changed, the last verdict is reused and the output says so. \
            --no-cache checks again.

            --strategy random (one MODEL) walks the state space at random instead, for models too \
            large to exhaust: it stops at the first violation, shrinks its trace, and prints the \
            seed and the options that repeat the run exactly. It never claims that a property \
            holds: without a violation its verdict is inconclusive (exit 2). Not cached.

            With one MODEL:

            \(exitCodes)
            """)

    @Argument(help: "The model file, e.g. Models/PassThrough.swift, or an IR saved by `fltcheck dump-ir` (.json); default: every model of fltcheck.json.")
    var model: String?

    @Option(help: ArgumentHelp("The repository config to read when no MODEL is given (default: ./fltcheck.json).", valueName: "file"))
    var config: String?

    @Option(help: "Do not expand states deeper than this many steps (hitting it makes the verdict inconclusive).")
    var maxDepth: Int?

    @Option(help: "Stop after storing this many distinct states (hitting it makes the verdict inconclusive).")
    var maxStates: Int?

    @Option(help: "The report's format: text, json (docs/json-format.md), sarif (2.1.0), junit (XML) or html (a trace view).")
    var format: OutputFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write the report to this file (atomically) and print only the verdict line.", valueName: "file"))
    var output: String?

    @Flag(help: "Check again even when the verdict cache has this model's verdict (the new verdict replaces it).")
    var noCache = false

    @Option(name: .customLong("param"), help: ArgumentHelp(
        "Set a parameter the model declares with `Parameter(\"NAME\", ...)` (repeatable), e.g. --param N=4.", valueName: "NAME=VALUE"))
    var parameterOptions: [String] = []

    @OptionGroup(title: "Search")
    var search: SearchArguments

    func validate() throws {
        let parameters = try parseParameters(parameterOptions)
        if model == nil, !parameters.isEmpty { throw ValidationError("--param needs a MODEL: parameters belong to one model") }
        if let maxDepth, maxDepth < 0 { throw ValidationError("--max-depth must be at least 0") }
        if let maxStates, maxStates < 1 { throw ValidationError("--max-states must be at least 1") }
        if model != nil, config != nil { throw ValidationError("give a MODEL or --config FILE, not both") }
        if model == nil, format == .html { throw ValidationError("--format html shows one model: fltcheck verify MODEL --format html") }
        try validateOutput(output)
        try search.validate(model: model, maxDepth: maxDepth, maxStates: maxStates)
    }

    func run() throws {
        catchInterrupts()
        guard let model else { return try runConfig(config ?? RepositoryConfig.fileName) }
        let limits = Limits(maxDepth: maxDepth, maxStates: maxStates, maxMemory: search.maxMemory?.bytes)
        let parameters = try parseParameters(parameterOptions)
        switch checkModel(model, limits: limits, parameters: parameters, search: try search.plan(),
                                 mergeLocalSteps: !search.noPartialOrder, solverTimeout: try search.solverTimeoutMilliseconds(), useCache: !noCache,
                                 showProgress: isatty(STDERR_FILENO) == 1) {
        case .failure(let failure):
            reportModelError(failure.message)
            failModel(failure.message)
        case .success(let checked):
            var summary = checked.summary
            // The text report says so in its first line; elsewhere the verdict line or stderr does.
            if let cached = checked.cached {
                if output != nil {
                    summary = "\(cached.cacheNote): \(summary)"
                } else if format != .text {
                    FileHandle.standardError.write(Data("fltcheck: \(cached.cacheNote)\n".utf8))
                }
            }
            emit(checked.report(format), summary: summary)
            throw ExitCode(checked.exitCode)
        }
    }

    /// Compiles, several at once, the model files of `models` whose verdicts are not cached and
    /// whose programs are not either: one swiftc uses one core, and compiling takes longer than
    /// checking most models. The models are then checked one by one, in order. The display paths
    /// of the models compiled, and why each of those that did not compile failed (reported as
    /// their errors, not compiled a second time).
    private func compileAhead(
        _ models: [ConfiguredModel], limits: (ConfiguredModel) -> Limits, plan: SearchPlan, solverTimeout: UInt32, say: (String) -> Void
    ) -> (built: Set<String>, failed: [String: String]) {
        // Without a loader there is nothing to compile with; checking each model reports why.
        guard let loader = try? ModelLoader() else { return ([], [:]) }
        let cache = VerdictCache(cacheDirectory: loader.cacheDirectory)
        var paths: [String] = []
        for configured in models {
            let display = TextReport().display(path: configured.resolvedPath)
            if paths.contains(display) || !loader.needsCompiling(display) { continue }
            if !noCache, let key = verdictCacheKey(
                display, limits: limits(configured), parameters: configured.parameters, search: plan,
                mergeLocalSteps: !search.noPartialOrder, solverTimeout: solverTimeout, loader: loader), cache.lookup(key) != nil {
                continue
            }
            paths.append(display)
        }
        guard paths.count > 1 else { return ([], [:]) }
        say("fltcheck: compiling \(paths.count) models, \(min(defaultJobs, paths.count)) at a time")
        let outcome = Mutex((built: Set<String>(), failed: [String: String]()))
        let compiling = paths
        DispatchQueue.concurrentPerform(iterations: compiling.count) { index in
            let path = compiling[index]
            do throws(LoadError) {
                if try loader.prepare(path) { outcome.withLock { _ = $0.built.insert(path) } }
            } catch {
                outcome.withLock { $0.failed[path] = error.description }
            }
        }
        return outcome.withLock { $0 }
    }

    /// `verify` with no MODEL: every model of the repository config.
    func runConfig(_ path: String) throws {
        let repository: RepositoryConfig
        do {
            repository = try RepositoryConfig.load(path)
        } catch {
            failModel(error.description)
        }
        // Lines go to stdout, except when stdout carries a json, sarif or junit report.
        let say = { (line: String) in
            if format != .text && output == nil {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            } else {
                print(line)
            }
        }
        let shown = TextReport().display(path: URL(fileURLWithPath: path).standardizedFileURL.path)
        say("fltcheck: checking \(repository.models.count == 1 ? "1 model" : "\(repository.models.count) models") from \(shown)")
        var worst = ExpectationMatch.asExpected
        var counts: [ExpectationMatch: Int] = [:]
        var entries: [ConfigResultEntry] = []
        var reports: [String] = []
        let shownName = { (configured: ConfiguredModel) in
            ([TextReport().display(path: configured.resolvedPath)] + configured.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
                .joined(separator: " ")
        }
        let width = repository.models.map { shownName($0).count }.max() ?? 20
        let plan = try search.plan()
        let solverTimeout = try search.solverTimeoutMilliseconds()
        let limits = { (configured: ConfiguredModel) in
            Limits(maxDepth: configured.maxDepth ?? maxDepth, maxStates: configured.maxStates ?? maxStates, maxMemory: search.maxMemory?.bytes)
        }
        let compiledAhead = compileAhead(repository.models, limits: limits, plan: plan, solverTimeout: solverTimeout, say: say)
        for configured in repository.models {
            let display = TextReport().display(path: configured.resolvedPath)
            let match: ExpectationMatch
            var line = "  " + shownName(configured).padding(toLength: width + 2, withPad: " ", startingAt: 0)
            let checked = compiledAhead.failed[display].map { Result<CheckedModel, ModelFailure>.failure(ModelFailure(message: $0)) }
                ?? checkModel(display, limits: limits(configured), parameters: configured.parameters, search: plan,
                              mergeLocalSteps: !search.noPartialOrder, solverTimeout: solverTimeout, useCache: !noCache,
                              showProgress: false, compiledAhead: compiledAhead.built.contains(display))
            switch checked {
            case .failure(let failure):
                match = .error
                // The last line says what failed; those before it (swiftc's diagnostics, which it
                // calls "above") go above the model's line.
                let messageLines = failure.message.split(separator: "\n", omittingEmptySubsequences: false)
                for detail in messageLines.dropLast() where !detail.isEmpty { say("    " + detail) }
                line += "ERROR     model error: \(messageLines.last.map(String.init) ?? failure.message)"
                entries.append(ConfigResultEntry(path: display, expect: configured.expect.description, match: "error", cached: false, result: JSONReport().errorDocument(path: display, message: failure.message)))
                switch format {
                case .sarif: reports.append(SARIFReport().renderError(path: display, message: failure.message))
                case .junit: reports.append(JUnitReport().renderError(path: display, message: failure.message))
                default: break
                }
            case .success(let checked):
                match = ExpectationMatch.compare(checked.document, with: configured.expect)
                let verdict = checked.document.verdict == "violated"
                    ? "violated \(ExpectationMatch.violatedIds(checked.document).joined(separator: " "))" : checked.document.verdict
                let label = switch match {
                case .asExpected: "ok        "
                case .mismatch: "MISMATCH  "
                case .inconclusive: "INCONCL.  "
                case .error: "ERROR     "
                }
                line += label + verdict
                if match == .mismatch { line += " (expected \(configured.expect))" }
                if match == .inconclusive, let hit = checked.document.bounds.hit { line += " (\(hit.description))" }
                if checked.cached != nil { line += "; verdict taken from the cache" }
                entries.append(ConfigResultEntry(path: display, expect: configured.expect.description, match: match.name, cached: checked.cached != nil, result: checked.document))
                reports.append(checked.report(format))
            }
            say(line)
            counts[match, default: 0] += 1
            if match.severity > worst.severity { worst = match }
        }
        let parts = [(ExpectationMatch.asExpected, "as expected"), (.mismatch, "not as expected"), (.inconclusive, "inconclusive"), (.error, "in error")]
            .compactMap { match, name in counts[match].map { "\($0) \(name)" } }
        let summary = "verdict: \(parts.joined(separator: ", ")) (exit \(worst.exitCode))"
        if format == .text {
            guard output != nil else {
                print(summary)
                throw ExitCode(worst.exitCode)
            }
            emitCombined(reports.joined(separator: "\n"), summary: summary)
        } else {
            let combined: String
            switch format {
            case .sarif: combined = combineSARIF(reports) ?? ""
            case .junit: combined = combineJUnit(reports)
            default:
                combined = encoded { try encodeJSON(ConfigResultDocument(config: shown, exitCode: worst.exitCode, models: entries)) }
            }
            if output == nil { say(summary) }
            emitCombined(combined, summary: summary)
        }
        throw ExitCode(worst.exitCode)
    }

    /// With --output, writes the report and prints the summary; else the report goes to stdout.
    func emitCombined(_ report: String, summary: String) {
        guard output != nil else {
            FileHandle.standardOutput.write(Data(report.utf8))
            return
        }
        emit(report, summary: summary)
    }

    /// Prints the report, or writes it to `--output` and prints the verdict line.
    func emit(_ report: String, summary: String) {
        if deliver(report, to: output), let output { print("\(summary); \(format.rawValue) report written to \(output)") }
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
        guard format != .text || output != nil, let model else { return }
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

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented starter model (one filter with a pre-op and a post-op, a workload) to FILE.",
        discussion: """
            The scaffold verifies as it is (every property holds); edit it into your filter. It \
            never overwrites a file.

            Exit codes:
              0  the model was written
              3  usage error: FILE exists, or cannot be written
            """)

    @Argument(help: "The model file to create, e.g. MyFilter.swift.")
    var file: String

    func run() throws {
        if FileManager.default.fileExists(atPath: file) {
            failModel("error: \(file) already exists; fltcheck init does not overwrite a file")
        }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let text = scaffoldModel(name: name)
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            failModel("error: cannot write \(file): no such directory \(directory)")
        }
        // O_EXCL: a file created meanwhile is not overwritten either.
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            failModel("error: cannot write \(file): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        } catch {
            failModel("error: cannot write \(file): \(error.localizedDescription)")
        }
        print("wrote \(file): model \"\(scaffoldName(name))\"; check it with: fltcheck verify \(file)")
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
        let loaded = loadModel(modelPath, parameters: modelPath.hasSuffix(".json") ? [:] : document.model.parameters ?? [:])
        let program = compile(loaded)
        if let saved = document.model.name, saved != loaded.ir.name {
            FileHandle.standardError.write(Data("note: the trace is of model \"\(saved)\"; replaying it against model \"\(loaded.ir.name)\"\n".utf8))
        }
        // The steps of the saved path are those of the search that found it.
        let replayer = TraceReplayer(semantics: Semantics(program, mergeLocalSteps: document.statistics.localStepsMerged ?? false))
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
        guard deliver(page, to: output), let output else { return }
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

    @Option(name: .customLong("param"), help: ArgumentHelp(
        "Set a parameter the model declares (repeatable); the IR keeps the values.", valueName: "NAME=VALUE"))
    var parameterOptions: [String] = []

    func validate() throws {
        _ = try parseParameters(parameterOptions)
    }

    func run() throws {
        let loaded = loadModel(model, parameters: try parseParameters(parameterOptions))
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

