import ArgumentParser
import FltExplorer
import FltReport
import Foundation
import Synchronization

/// All cores by default: results do not depend on the number of threads.
let defaultJobs = max(1, ProcessInfo.processInfo.activeProcessorCount)

private let interruptFlag = Atomic<Bool>(false)

/// Whether Ctrl-C was pressed since `catchInterrupts()`.
func interruptRequested() -> Bool { interruptFlag.load(ordering: .relaxed) }

/// The first Ctrl-C asks the explorer to stop and report what it covered (an inconclusive
/// verdict); a second one ends the process at once.
func catchInterrupts() {
    signal(SIGINT) { _ in
        if interruptFlag.exchange(true, ordering: .relaxed) { _exit(130) }
    }
    // A parent can start fltcheck with SIGINT blocked (the mask is inherited): unblock it.
    var interrupt = sigset_t()
    sigemptyset(&interrupt)
    sigaddset(&interrupt, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
}

/// `  1,234,567 states  depth 18  412,345 states/s  1.2 GiB  3.0 s`.
func progressLine(_ progress: ExplorationProgress) -> String {
    let rate = progress.seconds > 0 ? Int(Double(progress.states) / progress.seconds) : 0
    return "\(grouped(progress.states)) states  depth \(progress.depth)  \(grouped(rate)) states/s  \(formatBytes(progress.memory))  \(String(format: "%.1f", progress.seconds)) s"
}

func formatBytes(_ bytes: Int) -> String {
    if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
    return String(format: "%.0f MiB", Double(bytes) / Double(1 << 20))
}

/// `--max-memory 4G`, `512M`, `2048` (MiB).
struct MemorySize: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        let text = argument.uppercased().replacingOccurrences(of: "IB", with: "").replacingOccurrences(of: "B", with: "")
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var number = text
        var multiplier = 1 << 20
        if let last = text.last, let found = multipliers[last] {
            multiplier = found
            number = String(text.dropLast())
        }
        guard let value = Double(number), value > 0 else { return nil }
        bytes = Int(value * Double(multiplier))
    }
}

