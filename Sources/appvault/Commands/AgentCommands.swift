import AppVault
import ArgumentParser
import Dispatch
import Foundation
import Glibc
import Logging
import VaultAgent
import VaultCrypto

extension AgentError: ReportableError {}

/// `--socket`, shared by every command that talks to the agent.
struct AgentSocketOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The agent's Unix socket.",
        discussion: "Default: $APPVAULT_AGENT_SOCK, else $XDG_RUNTIME_DIR/appvault/agent.sock, else /tmp/appvault-UID/agent.sock.",
        valueName: "path"))
    var socket: String?

    var path: String { socket ?? SocketLocation.defaultPath() }

    var client: AgentClient { AgentClient(socketPath: path) }
}

/// `appvault agent`: run the agent in the foreground, or ask whether one runs.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the vault agent: local IMAP and SMTP endpoints that log mail clients in without ever giving them the password.",
        discussion: """
            The agent commands (agent, unlock, lock, leases, lease revoke) add these exit codes: \
            14 no agent runs on the socket, 15 the agent's policy denied the request, \
            16 invalid reply or time-out talking to the agent. docs/agent-protocol.md describes the protocol.
            """,
        subcommands: [AgentRun.self, AgentStatusCommand.self],
        defaultSubcommand: AgentRun.self)
}

/// `appvault agent [run]`: serve in the foreground until SIGTERM or SIGINT.
struct AgentRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve in the foreground (the default). The vault starts locked: run `appvault unlock`.",
        discussion: "Stops on SIGTERM or SIGINT, locking the vault and removing the socket.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    @Option(name: .long, help: ArgumentHelp(
        "Lock the vault after this long without requests (90s, 15m, 2h, off).", valueName: "duration"))
    var idleLock: String = "15m"

    @Option(name: .long, help: ArgumentHelp(
        "A TOML policy naming which other uids and executables may use which accounts. Default: own uid only.",
        valueName: "path"))
    var policy: String?

    @Option(name: .long, help: ArgumentHelp(
        "Let members of this group reach the sockets (folder 0710, sockets 0660); the policy still decides what each uid may do.",
        valueName: "group"))
    var socketGroup: String?

    @Option(name: .long, help: ArgumentHelp(
        "Also serve IMAP on loopback TCP (repeatable); with :tls or :starttls, local TLS (needs --local-cert/--local-key).",
        valueName: "127.0.0.1:port[:tls|starttls]"))
    var imapListen: [String] = []

    @Option(name: .long, help: ArgumentHelp("Also serve SMTP on loopback TCP (repeatable), as --imap-listen.",
                                            valueName: "127.0.0.1:port[:tls|starttls]"))
    var smtpListen: [String] = []

    @Option(name: .long, help: ArgumentHelp("PEM certificate for local TLS on the endpoints.", valueName: "path"))
    var localCert: String?

    @Option(name: .long, help: ArgumentHelp("PEM private key for --local-cert.", valueName: "path"))
    var localKey: String?

    @Option(name: .long, help: "Proxied upstream sessions one account may have at once, per protocol (Gmail allows about 15).")
    var maxSessions = 10

    @OptionGroup var mail: MailOptions

    func run() throws {
        try reportingErrors {
            let idle: Duration?
            do throws(DurationTextError) { idle = try DurationText.parse(idleLock) } catch { throw VaultError.invalidInput(error.description) }
            let agentPolicy = try policy.map { path throws(AgentError) in try AgentPolicy.load(path: path) } ?? .ownerOnly
            var logger = CLILogging.logger
            if ProcessInfo.processInfo.environment["APPVAULT_LOG_LEVEL"] == nil { logger.logLevel = .notice }
            guard (1...1000).contains(maxSessions) else { throw VaultError.invalidInput("--max-sessions must be 1 to 1000") }
            let tcp = try imapListen.map { (text) throws(AgentError) in try EndpointConfiguration.TCPEndpoint(protocol: .imap, parsing: text) }
                + smtpListen.map { (text) throws(AgentError) in try EndpointConfiguration.TCPEndpoint(protocol: .smtp, parsing: text) }
            let endpoints = EndpointConfiguration(besides: socket.path, tcp: tcp, localCertificate: localCert, localKey: localKey,
                                                  upstream: try mail.connection(budget: nil))
            try endpoints.check()
            let group = try socketGroup.map { (name) throws(VaultError) -> UInt32 in
                guard let entry = getgrnam(name) else { throw .invalidInput("--socket-group: no group named '\(name)'") }
                return entry.pointee.gr_gid
            }
            // Every option is checked before the vault is opened.
            let vault = try options.openLocked(configuration: VaultConfiguration(
                logger: logger, actor: "agent uid \(getuid()) pid \(getpid())",
                leaseLimits: LeaseLimits(maximumSessionsPerAccount: maxSessions), anchor: VaultOptions.anchor))
            let server = try AgentServer(
                vault: vault,
                configuration: AgentConfiguration(socketPath: socket.path, idleLock: idle, policy: agentPolicy, socketGroup: group,
                                                  endpoints: endpoints),
                logger: logger)
            try server.start()
            let signals = [SIGTERM, SIGINT].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { server.stop() }
                source.resume()
                return source
            }
            Output.notice("appvault agent listening on \(socket.path), IMAP \(endpoints.imapSocket), SMTP \(endpoints.smtpSocket)\(tcp.isEmpty ? "" : ", " + tcp.map { "\($0.protocol) \($0.address) \($0.security.rawValue)" }.joined(separator: ", ")) (pid \(getpid())); vault locked until `appvault unlock`")
            server.wait()
            signals.forEach { $0.cancel() }
        }
    }
}

/// `appvault agent status`: whether an agent runs there and whether its vault is unlocked.
struct AgentStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say whether an agent runs on the socket and whether its vault is unlocked (exit 14 if none runs).")

    @OptionGroup var socket: AgentSocketOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let status = try socket.client.status()
            if json {
                try Output.json(status)
            } else {
                let idle = status.idleLockSeconds == 0 ? "off" : "\(status.idleLockSeconds)s"
                Output.line("agent running: pid \(status.pid), socket \(socket.path), vault \(status.unlocked ? "unlocked" : "locked"), idle lock \(idle)")
                if !status.imapSocket.isEmpty {
                    Output.line("endpoints: IMAP \(status.imapSocket), SMTP \(status.smtpSocket); \(status.liveSessions) live session(s)")
                }
            }
        }
    }
}

/// `appvault unlock`: unlock the running agent's vault.
struct AgentUnlock: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Unlock the running agent's vault with the passphrase (or --key-file).")

    @OptionGroup var options: VaultOptions
    @OptionGroup var socket: AgentSocketOptions

    func run() throws {
        try reportingErrors {
            let client = socket.client
            // Send the passphrase only to an agent of this user that serves the vault meant here.
            if options.mayHoldVault {
                _ = try client.status(servingVault: options.openLocked().id)
            } else {
                _ = try client.status()
            }
            if let keyFile = options.keyFilePath {
                try client.unlock(keyFileContents: SecretFile.read(
                    path: keyFile, maximumBytes: MasterCredential.keyFileSizes.upperBound, requirePrivate: true))
            } else if let file = options.passphraseFilePath {
                try client.unlock(passphrase: SecretInput.firstLine(ofPrivateFile: file))
            } else {
                try client.unlock(passphrase: SecretInput.promptWithoutEcho("Vault passphrase: "))
            }
            Output.line("agent vault unlocked")
        }
    }
}

/// `appvault lock`: lock the running agent's vault.
struct AgentLock: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock", abstract: "Lock the running agent's vault: its keys are zeroed.")

    @OptionGroup var socket: AgentSocketOptions

    func run() throws {
        try reportingErrors {
            try socket.client.lock()
            Output.line("agent vault locked")
        }
    }
}

/// `appvault leases`: the agent's live leases.
struct AgentLeases: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leases", abstract: "List live leases (through the running agent).")

    @OptionGroup var socket: AgentSocketOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let leases = try socket.client.liveLeases()
            if json {
                try Output.json(leases)
            } else if leases.isEmpty {
                Output.line("no live leases")
            } else {
                Output.table(["ID", "KIND", "ACCOUNT", "PROTOCOL", "CLIENT", "EXPIRES", "USES LEFT", "HOLDER"], leases.map {
                    [$0.id, $0.kind.rawValue, $0.account, $0.protocol.description, $0.client ?? "-", Output.date($0.expiresAt),
                     "\($0.usesLeft)", $0.holder]
                })
            }
        }
    }
}

/// `appvault lease revoke ID`.
struct AgentLease: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease", abstract: "Grant or end one lease.", subcommands: [LeaseGrant.self, AgentLeaseRevoke.self])
}

/// `appvault lease revoke ID`: end a lease for every process.
struct AgentLeaseRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "End a lease now, for every process (through the running agent).")

    @OptionGroup var socket: AgentSocketOptions

    @Argument(help: "The lease id (see `appvault leases`).")
    var id: String

    func run() throws {
        try reportingErrors {
            try socket.client.revokeLease(id: id)
            Output.line("lease \(id) revoked")
        }
    }
}
