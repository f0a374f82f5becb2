import FltReport
import Foundation
import Testing

/// The `fltcheck` built beside the test runner (`swift build` builds it; `swift test` alone may not).
let builtFltcheck: String? = {
    let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("fltcheck").path
    let library = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("libFltModel.so").path
    return FileManager.default.isExecutableFile(atPath: path) && FileManager.default.fileExists(atPath: library) ? path : nil
}()

/// A model file that breaks NoDoubleCompletion, or (`fixed`) does not: the same workload, so the
/// first steps of the trace are the same.
func watchdogSource(fixed: Bool) -> String {
    let body = fixed
        ? """
            Atomic {
                If(resumed == false) {
                    resumed.set(true)
                    CompletePendedPreOperation(Op.current, OUTCOME)
                }
            }
        """
        : """
            If(resumed == false) {
                resumed.set(true)
                CompletePendedPreOperation(Op.current, OUTCOME)
            }
        """
    return """
        import FltModel

        let model = Model("Watchdog") {
            Workload { Requests(.read, count: 1, synchronous: false) }
            Filter("Scanner", altitude: 320_000) {
                let resumed = BoolVariable("resumed")
                let scan = WorkItem("Scan") {
        \(body.replacingOccurrences(of: "OUTCOME", with: ".successNoCallback"))
                }
                let watchdog = WorkItem("Watchdog") {
        \(body.replacingOccurrences(of: "OUTCOME", with: ".complete(.cancelled)"))
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

        """
}

struct CLIRun {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the built fltcheck in `directory`; output through files, not pipes.
func fltcheck(_ arguments: [String], in directory: String) throws -> CLIRun {
    let binary = try #require(builtFltcheck)
    let out = directory + "/.stdout-\(UUID().uuidString)"
    let err = directory + "/.stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["FLTCHECK_CACHE_DIR"] = directory + "/cache"
    process.environment = environment
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    process.waitUntilExit()
    return CLIRun(
        status: process.terminationStatus,
        stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
}

@Suite(.enabled(if: builtFltcheck != nil, "skipped: no fltcheck and libFltModel.so beside the test runner; run `swift build` first"))
struct CommandLineReports {
    /// verify --format json -o, replay against the same and a fixed model, show: what a
    /// pull-request check and a reviewer would run.
    @Test func verifyReplayAndShowFromTheCommandLine() throws {
        let directory = NSTemporaryDirectory() + "fltcheck-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/Models", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try watchdogSource(fixed: false).write(toFile: directory + "/Models/Watchdog.swift", atomically: true, encoding: .utf8)
        try watchdogSource(fixed: true).write(toFile: directory + "/Models/WatchdogFixed.swift", atomically: true, encoding: .utf8)

        let verify = try fltcheck(["verify", "Models/Watchdog.swift", "--format", "json", "--output", "watchdog.json"], in: directory)
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout == "verdict: VIOLATED: NoDoubleCompletion (exit 1); json report written to watchdog.json\n")
        let document = try readResultDocument(directory + "/watchdog.json")
        #expect(document.model.path == "Models/Watchdog.swift")
        #expect(document.exitCode == 1)

        let same = try fltcheck(["replay", "watchdog.json"], in: directory)
        #expect(same.status == 1, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("reproduced: NoDoubleCompletion at step "), "\(same.stdout)")

        let fixed = try fltcheck(["replay", "watchdog.json", "Models/WatchdogFixed.swift"], in: directory)
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        #expect(fixed.stdout.contains("no longer reproduces: NoDoubleCompletion: step "), "\(fixed.stdout)")

        let show = try fltcheck(["show", "watchdog.json", "-o", "watchdog.html"], in: directory)
        #expect(show.status == 0, "\(show.stdout)\(show.stderr)")
        let html = try String(contentsOfFile: directory + "/watchdog.html", encoding: .utf8)
        #expect(html.contains("NoDoubleCompletion"))

        for format in ["sarif", "junit"] {
            let run = try fltcheck(["verify", "Models/Watchdog.swift", "--format", format], in: directory)
            #expect(run.status == 1)
            #expect(run.stdout.contains("NoDoubleCompletion"))
        }
    }

    @Test func aModelErrorStillWritesTheReportAndExits3() throws {
        let directory = NSTemporaryDirectory() + "fltcheck-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try fltcheck(["verify", "Missing.swift", "--format", "sarif", "-o", "out.sarif"], in: directory)
        #expect(run.status == 3)
        #expect(run.stderr.contains("no such file"))
        let sarif = try jsonObject(try String(contentsOfFile: directory + "/out.sarif", encoding: .utf8))
        let runs = try #require(sarif["runs"] as? [[String: Any]])
        let invocation = try #require((runs.first?["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["executionSuccessful"] as? Bool == false)

        let replay = try fltcheck(["replay", "nothing.json"], in: directory)
        #expect(replay.status == 3)
        #expect(replay.stderr.contains("cannot read the trace nothing.json"))
    }
}
