package import MailConnectors

/// How the upstream login failed.
package enum UpstreamFailure: Error, Sendable, Equatable {
    /// The provider rejected the stored app password: the account is marked dead. Rotate it.
    case passwordRejected(String)
    /// The provider refused for now (throttling, unavailable, too many connections); the account
    /// is not marked dead. Try again later.
    case temporary(String)
    /// DNS, TCP, TLS, certificate or protocol failure; the account is not marked dead. Check the
    /// network and the account's server settings.
    case unreachable(String)

    /// The failure for a classified login error.
    package init(_ failure: LoginFailure) {
        switch failure {
        case .passwordRejected(let text): self = .passwordRejected(text)
        case .temporary(let text): self = .temporary(text)
        case .unreachable(let text): self = .unreachable(text)
        }
    }
}
