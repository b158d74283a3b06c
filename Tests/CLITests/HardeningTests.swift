import Foundation
import Glibc
import Testing
import TestSupport

/// Runs `program` on a new pseudo-terminal (its controlling terminal), waits for `prompt` in its
/// output, presses Ctrl-C, and prints whether the terminal's ECHO flag is on afterwards and how
/// the program ended.
private let ctrlCAtPrompt = """
    import os, pty, select, signal, subprocess, sys, termios, time, fcntl
    master, slave = os.openpty()
    def child():
        # A test runner may block signals in the threads that start processes; a shell does not.
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    process = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=slave, stderr=slave, preexec_fn=child)
    seen = b""
    deadline = time.time() + 10
    while sys.argv[1].encode() not in seen and time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            seen += os.read(master, 4096)
    attributes = termios.tcgetattr(slave)
    print("prompt-seen", sys.argv[1].encode() in seen, "echo-during-prompt", bool(attributes[3] & termios.ECHO))
    os.write(master, b"\\x03")
    status = process.wait(timeout=10)
    attributes = termios.tcgetattr(slave)
    print("echo-after", bool(attributes[3] & termios.ECHO), "status", status)
    """

@Suite("Hardening of the command line (issue 11, weaknesses)")
struct HardeningTests {
    private func seeded() throws -> CLIRunner {
        let cli = CLIRunner()
        try cli.initVault()
        let added = try cli.run(["add", "work", "--provider", "gmail", "--email", "work@gmail.com"],
                                stdin: Data("abcd efgh ijkl mnop\n".utf8))
        #expect(added.status == 0, "\(added.all)")
        return cli
    }

    @Test("a passphrase file others can read, or another user's, is refused before it is read")
    func passphraseFilePermissions() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let open = cli.writeFile("open-passphrase", "correct horse battery\n", mode: 0o644)
        let result = try cli.run(["list"], environment: ["APPVAULT_PASSPHRASE_FILE": open])
        #expect(result.status == 7 && result.stderr.contains("open-passphrase has mode 644"), "\(result.all)")
        let group = cli.writeFile("group-passphrase", "correct horse battery\n", mode: 0o640)
        #expect(try cli.run(["list"], environment: ["APPVAULT_PASSPHRASE_FILE": group]).status == 7)
        if getuid() == 0 {
            let foreign = cli.writeFile("foreign-passphrase", "correct horse battery\n", mode: 0o600)
            chown(foreign, 65534, 65534)
            let refused = try cli.run(["list"], environment: ["APPVAULT_PASSPHRASE_FILE": foreign])
            #expect(refused.status == 2 && refused.stderr.contains("belongs to another user"), "\(refused.all)")
        }
        #expect(try cli.run(["list"]).status == 0, "the private file still works")
    }

    @Test("init and passwd refuse a passphrase shorter than 12 characters, saying so")
    func shortPassphrase() throws {
        let cli = CLIRunner(passphrase: "short pass")
        defer { cli.cleanUp() }
        let result = try cli.run(["init", "--kdf", "interactive"])
        #expect(result.status == 2 && result.stderr.contains("at least 12"), "\(result.all)")
        #expect(!FileManager.default.fileExists(atPath: cli.vaultPath))
    }

    @Test("Ctrl-C at a passphrase prompt puts the terminal's echo back")
    func ctrlCRestoresEcho() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        var environment = cli.environment
        environment["APPVAULT_PASSPHRASE_FILE"] = nil
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", ctrlCAtPrompt, "passphrase:", CLIRunner.executable, "init", "--kdf", "interactive"]
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("prompt-seen True echo-during-prompt False"), "\(text)")
        #expect(text.contains("echo-after True"), "echo restored after Ctrl-C: \(text)")
        #expect(text.contains("status -2") || text.contains("status 130"), "ended by the interrupt: \(text)")
        #expect(!FileManager.default.fileExists(atPath: cli.vaultPath), "nothing was created")
    }

    @Test("text a stranger controls (a peer's program path) is escaped on a terminal, exact in --json",
          .enabled(if: getuid() == 0, "an executable policy rule for uid 0 needs the agent to run as root"))
    func terminalEscapes() throws {
        let cli = try seeded()
        defer { cli.cleanUp() }
        let evil = cli.folder + "/evil\u{1b}[2J\u{1b}]0;pwned\u{07}\u{202e}txt.exe"
        try ExecutableCopy.make(from: "/usr/bin/python3.11", to: evil)
        let policy = cli.writeFile("policy.toml", """
            trust_own_uid = false
            [[rule]]
            uid = 0
            exe = "\(CLIRunner.executable)"
            accounts = ["*"]
            admin = true
            """)
        let socket = cli.folder + "/run/agent.sock"
        let agent = try cli.spawn(["agent", "--socket", socket, "--policy", policy, "--idle-lock", "off"])
        defer { kill(agent.processIdentifier, SIGTERM); agent.waitUntilExit() }
        #expect(eventually { (try? cli.run(["agent", "status", "--socket", socket]).status) == 0 })
        #expect(try cli.run(["unlock", "--socket", socket]).status == 0)
        let knock = """
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
            s.sendall(struct.pack(">IBBI", 6, 2, 1, 1)); s.recv(100)
            """
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: evil)
        probe.arguments = ["-c", knock, socket]
        try ExecutableCopy.run(probe)
        probe.waitUntilExit()
        let json = try cli.run(["audit", "--json"]).stdout
        #expect(json.contains("agent.deny") && json.contains("\\u001b[2J"), "the refusal is recorded exactly: \(json)")
        let onTerminal = try runOnTerminal(cli, ["audit"])
        #expect(onTerminal.contains("agent.deny"), "\(onTerminal)")
        #expect(!onTerminal.contains("\u{1b}[2J") && !onTerminal.contains("\u{202e}") && !onTerminal.contains("\u{07}"),
                "no raw control or direction character reached the terminal")
        #expect(onTerminal.contains("\\u{1b}[2J") && onTerminal.contains("\\u{202e}"), "they are shown escaped")
    }

    /// `appvault ARGS` run under `script`, so its standard output is a terminal.
    private func runOnTerminal(_ cli: CLIRunner, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = ([CLIRunner.executable] + arguments).map { "'\($0)'" }.joined(separator: " ")
        process.arguments = ["-qec", command, "/dev/null"]
        process.environment = cli.environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
