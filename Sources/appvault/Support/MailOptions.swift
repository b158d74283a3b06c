import AppVault
import ArgumentParser
import Foundation
import MailConnectors

extension ConnectorError: ReportableError {
    var exitCode: Int32 { exitStatus.rawValue }

    /// A rejected app password: 12 (rotate it); a temporary refusal at login: 13; the agent's
    /// endpoint refusing the local credential: as its response code says (``EndpointRefusal``);
    /// bad arguments: 2; a file that could not be written: 1; anything else: 13.
    var exitStatus: ExitStatus {
        switch self {
        case .authenticationFailed:
            if case .passwordRejected = LoginFailure.classify(self) { return .loginRejected }
            return .network
        case .localCredentialRefused(let text): return EndpointRefusal.status(ofRefusal: text)
        case .serverClosedSession(let reason): return EndpointRefusal.status(ofSessionEnd: reason) ?? .network
        case .invalidArgument, .caFileUnreadable: return .badInput
        case .outputFailed: return .failure
        default: return .network
        }
    }
}

extension LocalSocketError: ReportableError {
    /// 7: the agent's endpoint socket failed its ownership checks (nothing was sent); 14: nobody
    /// answers there.
    var exitCode: Int32 {
        switch self {
        case .socketMissing, .connectFailed, .folderMissing: ExitStatus.noAgent.rawValue
        default: ExitStatus.insecurePermissions.rawValue
        }
    }
}

/// Options of the commands that talk to mail servers.
struct MailOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Trust this PEM file of CA certificates instead of the system store. Default: $APPVAULT_CA_FILE.",
        valueName: "path"))
    var caFile: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the server to connect or answer.", valueName: "seconds"))
    var timeout: Int = 30

    func connection(budget: (any TrafficBudget)?) throws(VaultError) -> ConnectionOptions {
        guard (1...600).contains(timeout) else { throw .invalidInput("--timeout must be 1 to 600 seconds") }
        return ConnectionOptions(caFile: caFile ?? EnvironmentVariable.nonEmpty("APPVAULT_CA_FILE"), connectTimeout: .seconds(timeout),
                                 ioTimeout: .seconds(timeout), trafficBudget: budget)
    }
}
