/// How a local endpoint's connections are secured toward the local client.
package enum LocalTransport: Sendable {
    /// Plaintext (a Unix socket in the agent's 0700 folder, or loopback TCP).
    case plain
    /// Plaintext, offering STARTTLS with the configuration's local certificate.
    case plainWithSTARTTLS
    /// TLS from the first byte with the configuration's local certificate.
    case implicitTLS
}
