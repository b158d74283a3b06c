internal import AppVault
internal import Foundation

/// The wire forms of leases, accounts and tokens (no secret in any of them).
extension FrameWriter {
    mutating func endpoint(_ endpoint: ServerEndpoint, _ field: String) throws(ProtocolError) {
        try string(endpoint.host, "\(field) host")
        guard let port = UInt16(exactly: endpoint.port) else { throw .malformed("\(field) port \(endpoint.port)") }
        try u16(port, "\(field) port")
        try u8(endpoint.security == .tls ? 1 : 2, "\(field) security")
    }

    mutating func optionalDate(_ value: Date?, _ field: String) throws(ProtocolError) {
        try bool(value != nil, field)
        if let value { try date(value, field) }
    }

    mutating func optionalString(_ value: String?, _ field: String) throws(ProtocolError) {
        try bool(value != nil, field)
        if let value { try string(value, field) }
    }

    mutating func lease(_ lease: Lease) throws(ProtocolError) {
        try string(lease.id, "lease id")
        try string(lease.account, "account")
        try mailProtocol(lease.protocol, "protocol")
        try string(lease.kind.rawValue, "kind")
        try i64(lease.generation, "generation")
        try endpoint(lease.endpoint, "lease")
        try string(lease.username, "username")
        try date(lease.grantedAt, "granted at")
        try date(lease.expiresAt, "expires at")
        try date(lease.maximumExpiresAt, "maximum expires at")
        try count(lease.usesLeft, "uses left")
        try string(lease.holder, "holder")
        try optionalString(lease.client, "client")
        try optionalString(lease.tokenID, "token id")
    }

    mutating func account(_ summary: AccountSummary) throws(ProtocolError) {
        let record = summary.record
        try string(record.id, "id")
        try string(record.name, "name")
        try string(record.email, "email")
        try string(record.provider, "provider")
        try endpoint(record.imap, "imap")
        try endpoint(record.smtp, "smtp")
        try i64(record.dailyDownloadLimitBytes, "download limit")
        try i64(record.dailyUploadLimitBytes, "upload limit")
        try string(record.status.rawValue, "status")
        try i64(record.generation, "generation")
        try optionalString(record.fingerprint, "fingerprint")
        try date(record.createdAt, "created")
        try optionalDate(record.rotatedAt, "rotated")
        try optionalDate(record.revokedAt, "revoked")
        try optionalDate(record.checkedAt, "checked")
        try bool(summary.traffic != nil, "traffic")
        if let traffic = summary.traffic {
            try string(traffic.day, "day")
            try i64(traffic.bytesIn, "bytes in")
            try i64(traffic.bytesOut, "bytes out")
        }
    }

    mutating func token(_ token: ClientToken) throws(ProtocolError) {
        try string(token.id, "token id")
        try string(token.client, "client")
        try string(token.account, "account")
        try protocols(Set(token.protocols), "protocols")
        try date(token.createdAt, "created")
        try optionalDate(token.lastUsedAt, "last used")
        try optionalDate(token.expiresAt, "expires")
    }

    /// A set of protocols as a bit field: 1 = IMAP, 2 = SMTP.
    mutating func protocols(_ value: Set<MailProtocol>, _ field: String) throws(ProtocolError) {
        try u8((value.contains(.imap) ? 1 : 0) | (value.contains(.smtp) ? 2 : 0), field)
    }
}

extension ByteReader {
    mutating func endpoint(_ field: String) throws(ProtocolError) -> ServerEndpoint {
        let host = try string("\(field) host")
        let port = try u16("\(field) port")
        let security: TransportSecurity
        switch try u8("\(field) security") {
        case 1: security = .tls
        case 2: security = .starttls
        case let other: throw .malformed("\(field) security is \(other), not 1 (TLS) or 2 (STARTTLS)")
        }
        do { return try ServerEndpoint(host: host, port: Int(port), security: security) } catch {
            throw .malformed("\(field) endpoint: \(error)")
        }
    }

    mutating func optionalDate(_ field: String) throws(ProtocolError) -> Date? {
        try bool(field) ? try date(field) : nil
    }

    mutating func optionalString(_ field: String) throws(ProtocolError) -> String? {
        try bool(field) ? try string(field) : nil
    }

    mutating func lease() throws(ProtocolError) -> Lease {
        let id = try string("lease id")
        let account = try string("account")
        let proto = try mailProtocol("protocol")
        guard let kind = LeaseKind(rawValue: try string("kind")) else { throw .malformed("unknown lease kind") }
        let generation = try i64("generation")
        let endpoint = try endpoint("lease")
        return Lease(
            id: id, account: account, protocol: proto, kind: kind, generation: generation,
            endpoint: endpoint, username: try string("username"),
            grantedAt: try date("granted at"), expiresAt: try date("expires at"),
            maximumExpiresAt: try date("maximum expires at"),
            usesLeft: Int(try u32("uses left")), holder: try string("holder"), client: try optionalString("client"),
            tokenID: try optionalString("token id"))
    }

    mutating func account() throws(ProtocolError) -> AccountSummary {
        let id = try string("id"), name = try string("name"), email = try string("email"), provider = try string("provider")
        let imap = try endpoint("imap"), smtp = try endpoint("smtp")
        let download = try i64("download limit"), upload = try i64("upload limit")
        guard let status = AccountStatus(rawValue: try string("status")) else { throw .malformed("unknown account status") }
        let record = AccountRecord(
            id: id, name: name, email: email, provider: provider, imap: imap, smtp: smtp,
            dailyDownloadLimitBytes: download, dailyUploadLimitBytes: upload, status: status,
            generation: try i64("generation"), fingerprint: try optionalString("fingerprint"),
            createdAt: try date("created"), rotatedAt: try optionalDate("rotated"),
            revokedAt: try optionalDate("revoked"), checkedAt: try optionalDate("checked"))
        var traffic: TrafficUsage?
        if try bool("traffic") {
            traffic = TrafficUsage(day: try string("day"), bytesIn: try i64("bytes in"), bytesOut: try i64("bytes out"),
                                   limitIn: download, limitOut: upload)
        }
        return AccountSummary(record: record, traffic: traffic)
    }

    mutating func token() throws(ProtocolError) -> ClientToken {
        ClientToken(id: try string("token id"), client: try string("client"), account: try string("account"),
                    protocols: MailProtocol.allCases.filter(try protocols("protocols").contains),
                    createdAt: try date("created"), lastUsedAt: try optionalDate("last used"),
                    expiresAt: try optionalDate("expires"))
    }

    mutating func protocols(_ field: String) throws(ProtocolError) -> Set<MailProtocol> {
        let bits = try u8(field)
        guard bits & ~3 == 0 else { throw .malformed("\(field) has unknown bits") }
        var result = Set<MailProtocol>()
        if bits & 1 != 0 { result.insert(.imap) }
        if bits & 2 != 0 { result.insert(.smtp) }
        return result
    }
}
