import Foundation
import Glibc

/// `appvault agent` run as a user runs it: a process of its own on a socket in the bench folder,
/// unlocked with the bench vault's key file by `appvault unlock`, stopped with SIGTERM.
final class AgentProcess {
    let socket: String
    private let process: Process

    /// Starts the agent of `appvault` on the vault in `folder` and unlocks it.
    init(appvault: String, folder: String, environment: [String: String]) throws {
        socket = folder + "/agent/agent.sock"
        process = Process()
        process.executableURL = URL(fileURLWithPath: appvault)
        process.arguments = ["agent", "--vault", BenchVault.vaultPath(folder), "--socket", socket, "--idle-lock", "off"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var started = false
        for _ in 0..<100 where !started {
            started = (try? Subprocess.run([appvault, "agent", "status", "--socket", socket], quiet: true)) != nil
            if !started { usleep(50_000) }
        }
        guard started else {
            stop()
            throw Subprocess.Failure(description: "appvault agent did not start on \(socket)")
        }
        try Subprocess.run([appvault, "unlock", "--vault", BenchVault.vaultPath(folder), "--socket", socket,
                            "--key-file", BenchVault.keyPath(folder)], quiet: true)
    }

    deinit { stop() }

    /// The agent's peak resident memory so far (VmHWM), in KiB.
    var peakKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        return ProcStatus.kibibytes(named: "VmHWM", in: status) ?? 0
    }

    /// Stops the agent (SIGTERM: it locks the vault and removes its socket).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}
