import FltModel
import Foundation

/// Why a model file could not be turned into IR. Every case is a model or usage error (exit 3).
public enum LoadError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    /// swiftc rejected the model; its diagnostics point at the model's own file:line:col.
    case compileFailed(path: String, diagnostics: String)
    case declaresNoModel(path: String)
    case declaresSeveralModels(path: String, names: [String])
    case crashed(path: String, how: String, output: String)
    case timedOut(path: String, seconds: Double)
    case invalidIR(path: String, reason: String)
    case buildErrors([BuildError])
    /// `--param` named a parameter the model does not declare.
    case unknownParameters(path: String, names: [String], declared: [String])
    /// `--param` given for a saved IR, whose parameters were fixed when it was saved.
    case parametersForSavedIR(path: String)
    case toolchain(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "error: cannot read model \(path): \(reason)"
        case .compileFailed(let path, let diagnostics):
            return diagnostics.trimmingCharacters(in: .whitespacesAndNewlines) + "\nerror: the model \(path) does not compile (Swift errors above)"
        case .declaresNoModel(let path):
            return "error: the model \(path) compiled and ran but declares no model: it must contain `let model = Model(\"Name\") { ... }`"
        case .declaresSeveralModels(let path, let names):
            return "error: the model \(path) declares \(names.count) models (\(names.joined(separator: ", "))); a model file declares exactly one"
        case .crashed(let path, let how, let output):
            let tail = output.trimmingCharacters(in: .whitespacesAndNewlines)
            return (tail.isEmpty ? "" : tail + "\n") + "error: the model \(path) crashed while building its IR (\(how))"
        case .timedOut(let path, let seconds):
            return "error: the model \(path) did not finish building its IR within \(Int(seconds)) s"
        case .invalidIR(let path, let reason): return "error: the model \(path) produced an IR fltcheck cannot use: \(reason)"
        case .buildErrors(let errors):
            return errors.map { "\($0.location): error: \($0.message)" }.joined(separator: "\n")
        case .unknownParameters(let path, let names, let declared):
            let list = names.map { "--param \($0)" }.joined(separator: ", ")
            let known = declared.isEmpty ? "it declares no parameters" : "it declares \(declared.joined(separator: ", "))"
            return "error: the model \(path) has no parameter for \(list) (\(known))"
        case .parametersForSavedIR(let path):
            return "error: \(path) is a saved IR: its parameters were fixed by `fltcheck dump-ir --param ...`; --param applies to Swift models"
        case .toolchain(let message): return "error: \(message)"
        }
    }
}

/// A model read from its Swift file.
public struct LoadedModel: Sendable {
    public let ir: ModelIR
    /// Whether the compiled model came from the cache.
    public let cached: Bool
    /// The model file's path as the user gave it.
    public let path: String
}

/// Compiles a model file against the FltModel library with swiftc, runs it, and reads back its IR,
/// the way SwiftPM treats Package.swift. Compiled models are cached by a content hash of the model,
/// the compiler and the library.
public struct ModelLoader: Sendable {
    /// Where libFltModel.so and Modules/FltModel.swiftmodule are.
    public let libraryDirectory: String
    public let cacheDirectory: String
    public let swiftc: String
    /// How long a model program may run to build its IR.
    public var runTimeout: Double = 60

    /// Finds the library beside the running executable (or `FLTCHECK_LIBRARY_DIR`), the cache in
    /// `FLTCHECK_CACHE_DIR`, `$XDG_CACHE_HOME/fltcheck` or `~/.cache/fltcheck`, and swiftc in
    /// `FLTCHECK_SWIFTC` or on PATH.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(LoadError) {
        let executableDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
        libraryDirectory = environment["FLTCHECK_LIBRARY_DIR"] ?? executableDirectory
        if let cache = environment["FLTCHECK_CACHE_DIR"] {
            cacheDirectory = cache
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            cacheDirectory = xdg + "/fltcheck"
        } else {
            cacheDirectory = (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/fltcheck"
        }
        if let explicit = environment["FLTCHECK_SWIFTC"] {
            swiftc = explicit
        } else if let found = (environment["PATH"] ?? "").split(separator: ":").map({ "\($0)/swiftc" }).first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) {
            swiftc = found
        } else {
            throw .toolchain("swiftc is not on PATH; fltcheck compiles models with it (or set FLTCHECK_SWIFTC)")
        }
    }

    private var library: String { libraryDirectory + "/libFltModel.so" }

    private var moduleDirectory: String? {
        [libraryDirectory + "/Modules", libraryDirectory].first {
            FileManager.default.fileExists(atPath: $0 + "/FltModel.swiftmodule")
        }
    }

    /// Compiles (or takes from the cache), runs and decodes the model at `path`, with `parameters`
    /// as its `--param` values. A `.json` path is read as an IR saved by `fltcheck dump-ir`.
    public func load(_ path: String, parameters: [String: String] = [:]) throws(LoadError) -> LoadedModel {
        let (absolute, source) = try read(path)
        if absolute.hasSuffix(".json") {
            if !parameters.isEmpty { throw .parametersForSavedIR(path: path) }
            return try decodeIR(source, path: path)
        }
        let (binary, built) = try compiledModel(absolute: absolute, source: source, given: path)
        let ir = try run(binary, path: path, parameters: parameters)
        let declared = (ir.parameters ?? []).map(\.name)
        let unknown = parameters.keys.filter { !declared.contains($0) }.sorted()
        if !unknown.isEmpty { throw .unknownParameters(path: path, names: unknown, declared: declared) }
        return LoadedModel(ir: ir, cached: !built, path: path)
    }

    /// Compiles the model at `path` into the cache unless it is there: the first half of `load`,
    /// for a caller that compiles several models at once (each swiftc uses one core) and loads
    /// them afterwards. Whether it compiled; false for a saved IR (`.json`).
    public func prepare(_ path: String) throws(LoadError) -> Bool {
        let (absolute, source) = try read(path)
        if absolute.hasSuffix(".json") { return false }
        return try compiledModel(absolute: absolute, source: source, given: path).built
    }

    /// Whether `load` would compile the model at `path`: a model file not in the cache (false for
    /// a saved IR, and for a file that cannot be read: `load` reports that).
    public func needsCompiling(_ path: String) -> Bool {
        guard let (absolute, source) = try? read(path), !absolute.hasSuffix(".json"), let modules = moduleDirectory else { return false }
        return !FileManager.default.isExecutableFile(atPath: compiledModelPath(absolute: absolute, source: source, modules: modules))
    }

    /// Where the compiled program of a model file is cached: by a hash of the model's bytes and
    /// path, the compiler and the library.
    private func compiledModelPath(absolute: String, source: Data, modules: String) -> String {
        var hasher = SHA256()
        hasher.update("fltcheck-model-cache-v1\0")
        hasher.update(source)
        hasher.update("\0\(absolute)\0\(identity(of: swiftc))\0\(identity(of: library))\0\(identity(of: modules + "/FltModel.swiftmodule"))")
        return cacheDirectory + "/models/" + hasher.finalizeHex() + "/model"
    }

    /// The absolute path of the file at `path` and its bytes.
    private func read(_ path: String) throws(LoadError) -> (absolute: String, source: Data) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw .unreadable(path: path, reason: "it is a directory") }
        guard let source = FileManager.default.contents(atPath: absolute) else {
            throw .unreadable(path: path, reason: "permission denied or not a regular file")
        }
        return (absolute, source)
    }

    /// The model program of the model file at `absolute`, compiled now (`built`) or taken from the cache.
    private func compiledModel(absolute: String, source: Data, given path: String) throws(LoadError) -> (binary: String, built: Bool) {
        guard FileManager.default.fileExists(atPath: library), let modules = moduleDirectory else {
            throw .toolchain("libFltModel.so and FltModel.swiftmodule are not in \(libraryDirectory); build every product with `swift build` (not only --product fltcheck), or set FLTCHECK_LIBRARY_DIR")
        }

        let binary = compiledModelPath(absolute: absolute, source: source, modules: modules)
        if FileManager.default.isExecutableFile(atPath: binary) { return (binary, false) }
        try compile(absolute: absolute, given: path, modules: modules, into: URL(fileURLWithPath: binary).deletingLastPathComponent().path)
        return (binary, true)
    }

    /// An IR saved by `fltcheck dump-ir`: checked as it is, with no compiler involved.
    private func decodeIR(_ data: Data, path: String) throws(LoadError) -> LoadedModel {
        let ir: ModelIR
        do {
            ir = try JSONDecoder().decode(ModelIR.self, from: data)
        } catch {
            throw .invalidIR(path: path, reason: "it is not a model IR as `fltcheck dump-ir` writes it (\(error))")
        }
        if ir.schemaVersion != irSchemaVersion {
            throw .invalidIR(path: path, reason: "IR schema version \(ir.schemaVersion), this fltcheck reads version \(irSchemaVersion)")
        }
        return LoadedModel(ir: ir, cached: true, path: path)
    }

    /// What identifies a file's version cheaply: its resolved path, size and modification time.
    private func identity(of path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: resolved)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(resolved)|\(size)|\(modified)"
    }

    private func compile(absolute: String, given: String, modules: String, into entry: String) throws(LoadError) {
        let manager = FileManager.default
        // Unique per call: two loads of one model in one process (other parameters) must not clash.
        let staging = entry + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))"
        do {
            try? manager.removeItem(atPath: staging)
            try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
            try manager.createDirectory(atPath: cacheDirectory + "/module-cache", withIntermediateDirectories: true)
        } catch {
            throw .toolchain("cannot create the model cache in \(cacheDirectory): \(error.localizedDescription)")
        }
        let arguments = [
            "-swift-version", "6", "-module-name", "FltUserModel",
            "-I", modules, "-L", libraryDirectory, "-lFltModel",
            "-Xlinker", "-rpath", "-Xlinker", libraryDirectory,
            "-module-cache-path", cacheDirectory + "/module-cache",
            "-o", staging + "/model", absolute,
        ]
        let result = try execute(swiftc, arguments, environment: nil, timeout: 600)
        guard result.status == 0, !result.signalled else {
            try? manager.removeItem(atPath: staging)
            // Diagnostics name the file as the user gave it.
            let diagnostics = (result.stderr + result.stdout).replacingOccurrences(of: absolute, with: given)
            throw .compileFailed(path: given, diagnostics: diagnostics)
        }
        // Publish atomically: a concurrent run either sees no entry or a complete one.
        if rename(staging, entry) != 0 {
            try? manager.removeItem(atPath: staging)
            if !manager.isExecutableFile(atPath: entry + "/model") {
                throw .toolchain("cannot store the compiled model in \(entry)")
            }
        }
    }

    private func run(_ binary: String, path: String, parameters: [String: String]) throws(LoadError) -> ModelIR {
        let output = NSTemporaryDirectory() + "fltcheck-ir-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max)).json"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var environment = ProcessInfo.processInfo.environment
        environment[irOutputEnvironmentVariable] = output
        environment[parametersEnvironmentVariable] = nil
        if !parameters.isEmpty, let json = try? JSONEncoder().encode(parameters) {
            environment[parametersEnvironmentVariable] = String(decoding: json, as: UTF8.self)
        }
        // A crash should show the model's message, not the runtime's backtrace and registers.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let result = try execute(binary, [], environment: environment, timeout: runTimeout)
        if result.timedOut { throw .timedOut(path: path, seconds: runTimeout) }
        // fatalError and friends name the file by #fileID, inside the module fltcheck compiles it as.
        var stderr = result.stderr.replacingOccurrences(
            of: "FltUserModel/" + URL(fileURLWithPath: path).lastPathComponent, with: path)
        if let trace = stderr.range(of: "Current stack trace:") { stderr = String(stderr[..<trace.lowerBound]) }
        if result.signalled {
            throw .crashed(path: path, how: "killed by signal \(result.status)\(signalName(result.status))", output: stderr)
        }
        if result.status != 0 {
            throw .crashed(path: path, how: "exited with status \(result.status)", output: stderr)
        }
        guard let data = FileManager.default.contents(atPath: output) else { throw .declaresNoModel(path: path) }
        let envelope: ModelEnvelope
        do {
            envelope = try JSONDecoder().decode(ModelEnvelope.self, from: data)
        } catch {
            throw .invalidIR(path: path, reason: "the IR does not decode (\(error)); was the model built against another fltcheck?")
        }
        if envelope.schemaVersion != irSchemaVersion {
            throw .invalidIR(path: path, reason: "IR schema version \(envelope.schemaVersion), this fltcheck reads version \(irSchemaVersion)")
        }
        if !envelope.errors.isEmpty { throw .buildErrors(envelope.errors) }
        guard let model = envelope.models.first else { throw .declaresNoModel(path: path) }
        if envelope.models.count > 1 { throw .declaresSeveralModels(path: path, names: envelope.models.map(\.name)) }
        return model
    }

    private func signalName(_ signal: Int32) -> String {
        switch signal {
        case 4: " SIGILL: a Swift runtime trap such as fatalError, a failed precondition or a force-unwrapped nil"
        case 5: " SIGTRAP: a Swift runtime trap such as fatalError, a failed precondition or a force-unwrapped nil"
        case 6: " SIGABRT"
        case 9: " SIGKILL"
        case 11: " SIGSEGV"
        default: ""
        }
    }

    private struct Execution {
        var status: Int32
        var signalled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs a program with output captured through files (pipes can fill up and block the child).
    private func execute(_ program: String, _ arguments: [String], environment: [String: String]?, timeout: Double) throws(LoadError) -> Execution {
        let base = NSTemporaryDirectory() + "fltcheck-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))"
        let outPath = base + ".out"
        let errPath = base + ".err"
        guard FileManager.default.createFile(atPath: outPath, contents: nil), FileManager.default.createFile(atPath: errPath, contents: nil) else {
            throw .toolchain("cannot create temporary files in \(NSTemporaryDirectory())")
        }
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            throw .toolchain("cannot create temporary files in \(NSTemporaryDirectory())")
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .toolchain("cannot run \(program): \(error.localizedDescription)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                timedOut = true
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Execution(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            timedOut: timedOut, stdout: read(outPath), stderr: read(errPath))
    }
}
