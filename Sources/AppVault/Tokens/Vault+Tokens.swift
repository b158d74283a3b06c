import Foundation
import VaultCrypto

extension Vault {
    /// The longest client name.
    public static let maximumClientNameLength = 64

    /// Makes a client token for `account`: a credential a mail client presents to the agent's
    /// local endpoints (user = the account's name, password = the token). Its text is returned
    /// once; the vault keeps only a keyed hash of it.
    ///
    /// - Parameters:
    ///   - protocols: what it may log in to (IMAP, SMTP or both).
    ///   - expiresIn: how long it works; nil for no expiry.
    public func addToken(account name: String, client: String, protocols: Set<MailProtocol>,
                         expiresIn: Duration? = nil) throws(VaultError) -> NewClientToken {
        try Self.checkClientName(client)
        guard !protocols.isEmpty else { throw .invalidInput("a token needs at least one protocol (imap, smtp or both)") }
        if let expiresIn, expiresIn < .seconds(60) { throw .invalidInput("a token must live at least a minute") }
        let now = clock.now()
        var text: SecureBytes?
        let token = try write { ledger throws(VaultError) -> ClientToken in
            let account = try StoredAccount.require(name, in: ledger)
            guard account.record.status != .revoked else { throw .accountRevoked(name) }
            let id = SecureRandom.bytes(LocalCredential.idBytes)
            var hash = [UInt8]()
            text = try LocalCredential.make(.token, id: id, keys: ledger.keys.ring, hash: &hash)
            var token = StoredToken(
                id: id, accountKey: account.key, account: name, client: client, protocols: protocols,
                createdAt: now, lastUsedAt: nil, expiresAt: expiresIn.map { now.addingTimeInterval($0.seconds) },
                secretHash: hash, stored: StoredRecord(kind: .token, key: id, ref: account.key, body: []))
            try token.save(in: ledger)
            try AuditLog.append(
                .init(event: "token.add", account: name, tokenID: Hex.encode(id), actor: configuration.actor,
                      detail: "client \(client), \(token.token.protocols.map(\.rawValue).joined(separator: "+")), expires \(token.expiresAt.map { $0.formatted(.iso8601) } ?? "never")"),
                at: now, to: ledger)
            return token.token
        }
        guard let text = text.take() else { throw .crypto("token text missing") }
        return NewClientToken(token: token, text: RevealedSecret(text))
    }

    /// Every client token, by account and client. Never the token texts.
    public func tokens() throws(VaultError) -> [ClientToken] {
        try read { ledger throws(VaultError) -> [ClientToken] in
            var tokens = [ClientToken]()
            for stored in try ledger.records(.token, complete: true) {
                tokens.append(try StoredToken.decode(stored, keys: ledger.keys.ring).token)
            }
            return tokens.sorted { ($0.account, $0.client, $0.id) < ($1.account, $1.client, $1.id) }
        }
    }

    /// Deletes a client token; the agent ends the sessions it opened within a second.
    @discardableResult
    public func revokeToken(id: String) throws(VaultError) -> ClientToken {
        let now = clock.now()
        return try write { ledger throws(VaultError) -> ClientToken in
            guard let token = try StoredToken.find(id, in: ledger) else { throw .noSuchToken(id) }
            ledger.delete(token.stored)
            try AuditLog.append(
                .init(event: "token.revoke", account: token.account, tokenID: id, actor: configuration.actor,
                      detail: "client \(token.client)"),
                at: now, to: ledger)
            return token.token
        }
    }

    /// A client name is 1-64 printable characters.
    static func checkClientName(_ client: String) throws(VaultError) {
        guard !client.isEmpty, client.unicodeScalars.count <= maximumClientNameLength,
              client.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
                  && $0.properties.generalCategory != .lineSeparator && $0.properties.generalCategory != .paragraphSeparator })
        else { throw .invalidInput("a client name must be 1 to \(maximumClientNameLength) printable characters") }
    }
}
