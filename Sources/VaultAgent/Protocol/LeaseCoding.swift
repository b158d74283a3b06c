internal import AppVault

/// The wire form of a ``Lease`` (no secret in it), shared by `lease` and `list-leases` replies.
extension FrameWriter {
    mutating func lease(_ lease: Lease) throws(ProtocolError) {
        try string(lease.id, "lease id")
        try string(lease.account, "account")
        try mailProtocol(lease.protocol, "protocol")
        try i64(lease.generation, "generation")
        try string(lease.endpoint.host, "host")
        guard let port = UInt16(exactly: lease.endpoint.port) else { throw .malformed("port \(lease.endpoint.port)") }
        try u16(port, "port")
        try u8(lease.endpoint.security == .tls ? 1 : 2, "security")
        try string(lease.username, "username")
        try date(lease.grantedAt, "granted at")
        try date(lease.expiresAt, "expires at")
        try date(lease.maximumExpiresAt, "maximum expires at")
        try count(lease.usesLeft, "uses left")
        try string(lease.holder, "holder")
    }
}

extension ByteReader {
    mutating func lease() throws(ProtocolError) -> Lease {
        let id = try string("lease id")
        let account = try string("account")
        let proto = try mailProtocol("protocol")
        let generation = try i64("generation")
        let host = try string("host")
        let port = try u16("port")
        let security: TransportSecurity
        switch try u8("security") {
        case 1: security = .tls
        case 2: security = .starttls
        case let other: throw .malformed("security is \(other), not 1 (TLS) or 2 (STARTTLS)")
        }
        let endpoint: ServerEndpoint
        do {
            endpoint = try ServerEndpoint(host: host, port: Int(port), security: security)
        } catch {
            throw .malformed("lease endpoint: \(error)")
        }
        return Lease(
            id: id, account: account, protocol: proto, generation: generation,
            endpoint: endpoint, username: try string("username"),
            grantedAt: try date("granted at"), expiresAt: try date("expires at"),
            maximumExpiresAt: try date("maximum expires at"),
            usesLeft: Int(try u32("uses left")), holder: try string("holder"))
    }
}
