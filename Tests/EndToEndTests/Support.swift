import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What one run of the real `fltcheck` binary did.
struct Outcome: Sendable, CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    /// Both streams, stdout first.
    var output: String { stdout + (stdout.isEmpty || stdout.hasSuffix("\n") ? "" : "\n") + stderr }
    /// The lines of `output`, without trailing empty ones.
    var lines: [String] {
        var all = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = all.last, last.trimmingCharacters(in: .whitespaces).isEmpty { all.removeLast() }
        return all
    }

    var description: String {
        "fltcheck \(arguments.joined(separator: " ")) exited \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// Runs the `fltcheck` built beside the test runner, from the package root, as a user would.
enum FltCheck {
    /// The directory that holds Package.swift, found by walking up from this file.
    static let packageRoot: String = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory.path
            }
            directory = directory.deletingLastPathComponent()
        }
        return ""
    }()

    /// `<directory of the running test executable>/fltcheck`.
    static let binary: String = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("fltcheck").path

    private static let temporaryPrefix = "fltcheck-e2e-"

    /// One fresh model cache for the whole test run, so no test depends on ~/.cache.
    static let sharedCache: String = {
        removeStaleTemporaryDirectories()
        return makeTemporaryDirectory("cache")
    }()

    /// A fresh directory under the temporary directory; its name records this process's id so
    /// a later run can remove it once this process is gone.
    static func makeTemporaryDirectory(_ purpose: String) -> String {
        let path = NSTemporaryDirectory() + "\(temporaryPrefix)\(getpid())-\(purpose)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes what earlier, finished test runs left in the temporary directory.
    private static func removeStaleTemporaryDirectories() {
        let temporary = NSTemporaryDirectory()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: temporary) else { return }
        for entry in entries where entry.hasPrefix(temporaryPrefix) {
            let rest = entry.dropFirst(temporaryPrefix.count)
            guard let pid = rest.split(separator: "-").first.flatMap({ Int32($0) }), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: temporary + entry)
            }
        }
    }

    /// Runs `fltcheck arguments` in the package root with `FLTCHECK_CACHE_DIR` set to `cache`.
    /// Output goes through temporary files, not pipes.
    /// Runs fltcheck; `interruptAfter` seconds sends it SIGINT (Ctrl-C).
    /// Runs `executable` (fltcheck unless given) with `environment` added to this process's.
    static func run(
        _ arguments: [String], cache: String = sharedCache, timeout: Double = 600, interruptAfter: Double? = nil,
        executable: String = binary, environment added: [String: String] = [:]
    ) throws -> Outcome {
        try #require(!packageRoot.isEmpty, "no Package.swift above \(#filePath)")
        try #require(
            FileManager.default.isExecutableFile(atPath: binary),
            "\(binary) is missing: build every product with `swift build` before `swift test`")
        let scratch = makeTemporaryDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outPath = scratch + "/stdout"
        let errPath = scratch + "/stderr"
        try #require(FileManager.default.createFile(atPath: outPath, contents: nil) && FileManager.default.createFile(atPath: errPath, contents: nil))
        let out = try #require(FileHandle(forWritingAtPath: outPath))
        let err = try #require(FileHandle(forWritingAtPath: errPath))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        var environment = ProcessInfo.processInfo.environment
        environment["FLTCHECK_CACHE_DIR"] = cache
        environment.merge(added) { $1 }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var interruptAt = interruptAfter.map { Date().addingTimeInterval($0) }
        var timedOut = false
        while process.isRunning {
            if let at = interruptAt, Date() > at {
                process.interrupt()
                interruptAt = nil
            }
            if Date() > deadline {
                process.terminate()
                timedOut = true
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        let outcome = Outcome(arguments: arguments, status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
        if timedOut { Issue.record("\(executable) did not finish within \(Int(timeout)) s: \(outcome)") }
        return outcome
    }

    /// `fltcheck verify <model> <options>`.
    static func verify(_ model: String, _ options: [String] = [], cache: String = sharedCache) throws -> Outcome {
        try run(["verify", model] + options, cache: cache)
    }
}

/// The `// fltcheck-expect:` header of a model.
enum Expectation: Equatable, Sendable {
    case holds
    case violated([String])

    static let marker = "// fltcheck-expect:"

    /// Reads the header from the model's leading comment block; nil when there is none or it
    /// does not parse.
    static func read(_ source: String) -> Expectation? {
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(marker) {
                let words = trimmed.dropFirst(marker.count).split(separator: " ").map(String.init)
                switch words.first {
                case "holds" where words.count == 1: return .holds
                case "violated" where words.count > 1: return .violated(Array(words.dropFirst()))
                default: return nil
                }
            }
            if !trimmed.isEmpty && !trimmed.hasPrefix("//") { return nil }
        }
        return nil
    }
}

/// Every model under Models/ (recursively), as paths relative to the package root, sorted.
func modelFiles() -> [String] {
    let root = FltCheck.packageRoot
    guard !root.isEmpty,
          let enumerator = FileManager.default.enumerator(atPath: root + "/Models") else { return [] }
    var found: [String] = []
    while let relative = enumerator.nextObject() as? String {
        if relative.hasSuffix(".swift") { found.append("Models/" + relative) }
    }
    return found.sorted()
}

/// The ids listed by `verdict: VIOLATED: A, B (exit 1)`, or nil when the line is not such a verdict.
func violatedIds(inVerdict line: String) -> [String]? {
    let prefix = "verdict: VIOLATED: "
    let suffix = " (exit 1)"
    guard line.hasPrefix(prefix), line.hasSuffix(suffix) else { return nil }
    return line.dropFirst(prefix.count).dropLast(suffix.count)
        .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
}

/// The counterexample block of `property`: from its `VIOLATED <id>` line to the next blank line.
func counterexample(of property: String, in lines: [String]) -> [String]? {
    guard let start = lines.firstIndex(where: { startsViolation($0, property) }) else { return nil }
    let end = lines[start...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? lines.endIndex
    return Array(lines[start..<end])
}

/// Whether `line` is the heading of a counterexample of `property` (`VIOLATED X (R2), safety`,
/// `VIOLATED Assertion, safety`), not of a property whose id merely starts the same way.
func startsViolation(_ line: String, _ property: String) -> Bool {
    let heading = "VIOLATED \(property)"
    guard line.hasPrefix(heading) else { return false }
    let rest = line.dropFirst(heading.count)
    return rest.isEmpty || rest.first == " " || rest.first == ","
}

/// Whether a trace line starts a numbered step (`   12. READ #1 ...`).
func isNumberedStep(_ line: String) -> Bool {
    let trimmed = line.drop(while: { $0 == " " })
    let digits = trimmed.prefix(while: \.isNumber)
    return !digits.isEmpty && trimmed.dropFirst(digits.count).hasPrefix(". ")
}

/// A trace's lines grouped into its numbered steps: each step is its numbered line and the
/// unnumbered lines after it (more events of the same step). Lines before the first number are
/// dropped.
func traceSteps(_ trace: [String]) -> [[String]] {
    var steps: [[String]] = []
    for line in trace {
        if isNumberedStep(line) {
            steps.append([line])
        } else if !steps.isEmpty {
            steps[steps.count - 1].append(line)
        }
    }
    return steps
}

/// The line numbers a trace line points at in `file` (`@ Models/X.swift:42`).
func pointedLines(_ line: String, file: String) -> [Int] {
    let marker = "@ \(file):"
    var result: [Int] = []
    var rest = Substring(line)
    while let range = rest.range(of: marker) {
        rest = rest[range.upperBound...]
        if let number = Int(rest.prefix(while: \.isNumber)) { result.append(number) }
    }
    return result
}
