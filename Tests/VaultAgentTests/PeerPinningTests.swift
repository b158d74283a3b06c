import Foundation
import Glibc
import Testing
import AppVault
import TestSupport
@testable import VaultAgent

/// A Python client: connects to the agent socket (or uses an inherited descriptor), sends a
/// `grant-login` request for `work` over IMAP, prints the reply's type and error code, and
/// optionally executes another program that does the same on the same connection.
private let client = """
    import os, socket, struct, sys
    def request(s, rid):
        account = b"work"
        body = struct.pack(">BBI", 2, 0x0A, rid) + struct.pack(">H", len(account)) + account + struct.pack(">BI", 1, 0)
        s.sendall(struct.pack(">I", len(body)) + body)
        (length,) = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))
        reply = s.recv(length, socket.MSG_WAITALL)
        code = struct.unpack(">H", reply[6:8])[0] if reply[1] == 0xFF else 0
        text = reply[10:].decode("utf-8", "replace") if reply[1] == 0xFF else ""
        print(reply[1], code, text, flush=True)
    mode = sys.argv[1]
    if mode == "fd":
        s = socket.socket(fileno=int(sys.argv[2]))
        request(s, 2)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
        request(s, 1)
        if mode == "exec":
            os.set_inheritable(s.fileno(), True)
            os.execv(sys.argv[3], [sys.argv[3], "-c", sys.argv[4], "fd", str(s.fileno())])
    """

@Suite("Executable rules hold per request (issue 11: exec after connect, LD_PRELOAD)", .serialized,
       .enabled(if: getuid() == 0, "an agent policy for uid 0 with executable rules"))
struct PeerPinningTests {
    @Test("an allowed interpreter is served; with LD_PRELOAD, after exec'ing another program, or from a file others can change, it is not")
    func executableRulesHold() throws {
        let folder = TemporaryFolder()
        let python = try #require(Posix.readLink("/usr/bin/python3").map { $0.hasPrefix("/") ? $0 : "/usr/bin/" + $0 })
        let other = folder.file("other-python")
        let changeable = folder.file("changeable-python")
        for copy in [other, changeable] {
            try ExecutableCopy.make(from: python, to: copy)
        }
        chmod(changeable, 0o777)
        let testBinary = try #require(Posix.readLink("/proc/self/exe"))
        let policy = folder.file("policy.toml")
        try """
            trust_own_uid = false
            [[rule]]
            uid = 0
            exe = "\(testBinary)"
            accounts = ["*"]
            admin = true
            [[rule]]
            uid = 0
            exe = "\(python)"
            accounts = ["work"]
            protocols = ["imap"]
            [[rule]]
            uid = 0
            exe = "\(changeable)"
            accounts = ["work"]
            """.write(toFile: policy, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(passphrase: "pinning test passphrase", secret: "Pinning-appw0rd-1", extraArguments: ["--policy", policy])
        try agent.client.unlock(passphrase: secure("pinning test passphrase"))

        let allowed = try runProgram(python, ["-c", client, "connect", agent.socketPath], environment: ["LD_PRELOAD": ""])
        #expect(allowed.output.hasPrefix("134 0"), "the allowed program gets a login lease: \(allowed.output)")

        let preloaded = try runProgram(python, ["-c", client, "connect", agent.socketPath],
                                       environment: ["LD_PRELOAD": "/lib/x86_64-linux-gnu/libm.so.6"])
        #expect(preloaded.output.hasPrefix("255 5"), "LD_PRELOAD puts other code in it: denied: \(preloaded.output)")

        let execed = try runProgram(python, ["-c", client, "exec", agent.socketPath, other, client], environment: ["LD_PRELOAD": ""])
        let lines = execed.output.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("134 0"), "\(execed.output)")
        #expect(lines.last?.hasPrefix("255 5") == true && execed.output.contains("executed another program"),
                "the same connection after exec is refused: \(execed.output)")

        let writable = try runProgram(changeable, ["-c", client, "connect", agent.socketPath], environment: ["LD_PRELOAD": ""])
        #expect(writable.output.hasPrefix("255 5"), "an executable anyone can rewrite proves nothing: \(writable.output)")
        #expect(agent.stop() == 0)
    }
}
