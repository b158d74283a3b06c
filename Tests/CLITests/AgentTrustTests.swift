import Foundation
import Glibc
import Testing
import TestSupport

/// A fake agent run by another user: it accepts on `socket`, logs every connection and the bytes
/// it received to `log`, and answers with a well-formed "unlocked" status for `vaultID`.
private let fakeAgent = """
    import os, socket, struct, sys, threading
    path, log, vault_id = sys.argv[1], sys.argv[2], sys.argv[3]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o777)
    server.listen(8)
    open(log + ".ready", "w").close()
    def serve(connection):
        connection.settimeout(2)
        received = b""
        try:
            while True:
                chunk = connection.recv(65536)
                if not chunk: break
                received += chunk
                body = struct.pack(">BBI?II", 2, 0x81, 0, True, os.getpid(), 0) + struct.pack(">H", len(vault_id)) + vault_id.encode() + struct.pack(">IHH", 0, 0, 0)
                connection.sendall(struct.pack(">I", len(body)) + body)
        except Exception:
            pass
        with open(log, "a") as f:
            f.write("connection %d bytes\\n" % len(received))
        connection.close()
    while True:
        connection, _ = server.accept()
        threading.Thread(target=serve, args=(connection,)).start()
    """

@Suite("The CLI trusts only its own agent (issue 11, attack 2)", .serialized,
       .enabled(if: getuid() == 0, "making a second and third user needs root (CI runs as root)"))
struct AgentTrustTests {
    /// A victim with a vault in a private folder, and an attacker.
    struct Scene {
        let victim: (uid: UInt32, gid: UInt32)
        let attacker: (uid: UInt32, gid: UInt32)
        let home: String
        let environment: [String: String]

        init() throws {
            victim = try TestUsers.ensure("appvault-victim")
            attacker = try TestUsers.ensure("appvault-attacker")
            var template = Array("/tmp/appvault-victim-XXXXXX".utf8CString)
            home = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
            let passphrase = home + "/passphrase"
            _ = FileManager.default.createFile(atPath: passphrase, contents: Data("victim passphrase 42\n".utf8),
                                               attributes: [.posixPermissions: 0o600])
            chown(passphrase, victim.uid, victim.gid)
            chown(home, victim.uid, victim.gid)
            environment = ["PATH": "/usr/bin:/bin", "HOME": home, "APPVAULT_VAULT": home + "/vault/vault.db",
                           "APPVAULT_PASSPHRASE_FILE": passphrase, "APPVAULT_LOG_LEVEL": "error"]
        }

        /// Runs the CLI as the victim.
        func appvault(_ arguments: [String], extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
            try run(TestUsers.command(as: victim, [CLIRunner.executable] + arguments), environment: environment.merging(extra) { $1 })
        }

        func run(_ command: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        /// Starts the fake agent as the attacker on `socket`, logging to `log`.
        func startFakeAgent(socket: String, log: String, vaultID: String) throws -> Process {
            let process = Process()
            let command = TestUsers.command(as: attacker, ["/usr/bin/python3", "-c", fakeAgent, socket, log, vaultID])
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<100 where !FileManager.default.fileExists(atPath: log + ".ready") { usleep(50_000) }
            return process
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: home) }
    }

    @Test("a socket planted by another user at the default path gets no passphrase and no request: exit 7")
    func plantedDefaultSocket() throws {
        let scene = try Scene()
        defer { scene.cleanUp() }
        #expect(try scene.appvault(["init", "--kdf", "interactive"]).status == 0)
        let vaultID = "an id the attacker could have learnt"
        // The attacker creates the victim's default agent folder first (XDG_RUNTIME_DIR unset).
        let folder = "/tmp/appvault-\(scene.victim.uid)"
        try? FileManager.default.removeItem(atPath: folder)
        let logFolder = try Scene.attackerFolder(scene)
        #expect(try scene.run(TestUsers.command(as: scene.attacker, ["/bin/mkdir", "-m", "0755", folder]), environment: [:]).status == 0)
        let fake = try scene.startFakeAgent(socket: folder + "/agent.sock", log: logFolder + "/log", vaultID: vaultID)
        defer { kill(fake.processIdentifier, SIGKILL); fake.waitUntilExit(); try? FileManager.default.removeItem(atPath: folder) }

        for arguments in [["unlock"], ["list"], ["agent", "status"], ["token", "list"]] {
            let result = try scene.appvault(arguments)
            #expect(result.status == 7, "\(arguments): \(result.output)")
            #expect(result.output.contains("belongs to uid \(scene.attacker.uid)"), "\(result.output)")
        }
        let log = (try? String(contentsOfFile: logFolder + "/log", encoding: .utf8)) ?? ""
        #expect(log.isEmpty, "the fake agent was never even connected to: \(log)")
    }

    @Test("a socket of the user's own that another user's process answers is refused after connect, before a byte: exit 16")
    func foreignProcessBehindOwnSocket() throws {
        let scene = try Scene()
        defer { scene.cleanUp() }
        #expect(try scene.appvault(["init", "--kdf", "interactive"]).status == 0)
        let attackerFolder = try Scene.attackerFolder(scene)
        let fake = try scene.startFakeAgent(socket: attackerFolder + "/agent.sock", log: attackerFolder + "/log", vaultID: "0")
        defer { kill(fake.processIdentifier, SIGKILL); fake.waitUntilExit() }
        // Root moves the bound socket into the victim's own private folder and gives it to the
        // victim: every path check passes; only the peer's uid gives it away.
        let run = scene.home + "/run"
        mkdir(run, 0o700)
        chown(run, scene.victim.uid, scene.victim.gid)
        #expect(rename(attackerFolder + "/agent.sock", run + "/agent.sock") == 0)
        chown(run + "/agent.sock", scene.victim.uid, scene.victim.gid)
        let result = try scene.appvault(["unlock"], extra: ["APPVAULT_AGENT_SOCK": run + "/agent.sock"])
        #expect(result.status == 16 && result.output.contains("runs as uid \(scene.attacker.uid)"), "\(result.output)")
        #expect(eventually { (try? String(contentsOfFile: attackerFolder + "/log", encoding: .utf8)) == "connection 0 bytes\n" },
                "connected, but not one byte was sent")
    }

    @Test("an agent serving another vault never gets this vault's passphrase; commands for this vault run in-process")
    func agentOfAnotherVault() throws {
        let cli = CLIRunner()
        defer { cli.cleanUp() }
        try cli.initVault()
        #expect(try cli.run(["add", "here", "--provider", "gmail", "--email", "here@gmail.com"], stdin: Data("aaaa bbbb cccc dddd".utf8)).status == 0)
        let other = cli.folder + "/other/vault.db"
        #expect(try cli.run(["init", "--kdf", "interactive", "--vault", other]).status == 0)
        let socket = cli.folder + "/run/agent.sock"
        let agent = try cli.spawn(["agent", "--vault", other, "--socket", socket, "--idle-lock", "off"])
        defer { kill(agent.processIdentifier, SIGTERM); agent.waitUntilExit() }
        #expect(eventually { (try? cli.run(["agent", "status", "--socket", socket]).status) == 0 })
        let unlock = try cli.run(["unlock", "--socket", socket])
        #expect(unlock.status == 16 && unlock.stderr.contains("serves another vault"), "\(unlock.all)")
        #expect(try cli.run(["agent", "status", "--socket", socket]).stdout.contains("vault locked"), "the passphrase was not sent")
        #expect(try cli.run(["unlock", "--socket", socket, "--vault", other]).status == 0)
        let list = try cli.run(["list", "--socket", socket])
        #expect(list.status == 0 && list.stdout.contains("here@gmail.com") && list.stderr.contains("serves another vault"), "\(list.all)")
    }
}

extension AgentTrustTests.Scene {
    /// A folder of the attacker's, for its socket and log.
    static func attackerFolder(_ scene: Self) throws -> String {
        let folder = scene.home + "-attacker"
        try? FileManager.default.removeItem(atPath: folder)
        mkdir(folder, 0o755)
        chown(folder, scene.attacker.uid, scene.attacker.gid)
        return folder
    }
}
