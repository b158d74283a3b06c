import Glibc
import Foundation
import Logging
import Synchronization
public import VaultCrypto

/// An appvault vault: one SQLite file of encrypted app passwords, leases and an audit log.
///
/// Open it with ``open(at:configuration:)`` (locked: metadata only) or create one with
/// ``create(at:credential:kdf:configuration:)``; ``unlock(with:)`` derives the master key,
/// unwraps the vault key into guarded memory and checks the header MAC. ``lock()`` zeroes the keys.
/// Every change is one SQLite transaction, so several processes can share a vault.
public final class Vault: Sendable {
    /// The vault file's path.
    public let path: String
    let database: VaultDatabase
    let configuration: VaultConfiguration
    private let keyRing = Mutex<KeyBox?>(nil)
    /// When lease grants last deleted ended leases.
    let leasePruning = LeasePruneSchedule()

    /// Holds the unlocked keys so the mutex can swap them in and out as one reference.
    ///
    /// `@unchecked Sendable` is sound here and used nowhere else: the box is immutable after
    /// `init`, its only state is a non-copyable `KeyRing` that is only ever borrowed for reading
    /// (concurrent reads of immutable memory), references to it are taken and swapped only under
    /// `keyRing`'s lock, and the guarded memory is zeroed when the last reference goes (`lock()`
    /// drops the vault's; an operation in flight drops its own when it ends).
    final class KeyBox: @unchecked Sendable {
        let ring: KeyRing
        init(_ ring: consuming KeyRing) { self.ring = ring }
    }

    private init(path: String, database: VaultDatabase, configuration: VaultConfiguration) {
        self.path = path
        self.database = database
        self.configuration = configuration
    }

    var clock: any VaultClock { configuration.clock }
    var logger: Logger { configuration.logger }

    /// Creates a new vault at `path`, unlocked, with a fresh random vault key wrapped under
    /// the master key from `credential`. Never overwrites an existing file.
    public static func create(
        at path: String, credential: consuming MasterCredential,
        kdf: KDFParameters = KDFStrength.moderate.parameters,
        configuration: VaultConfiguration = VaultConfiguration()
    ) throws(VaultError) -> Vault {
        if FileSafety.exists(path) { throw .vaultExists(path) }
        let database = try VaultDatabase.create(path: path)
        do {
            let vault = Vault(path: path, database: database, configuration: configuration)
            try vault.initialise(credential: credential, kdf: kdf)
            return vault
        } catch {
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            throw error
        }
    }

    private func initialise(credential: consuming MasterCredential, kdf: KDFParameters) throws(VaultError) {
        let salt = SecureRandom.bytes(PasswordHash.saltBytes)
        let parameters = credential.kind == .passphrase ? kdf : KDFParameters(opsLimit: 0, memLimit: 0)
        let master = try MasterKey.derive(from: credential, salt: salt, parameters: parameters)
        let box: KeyBox
        let wrapped: [UInt8]
        do {
            let vaultKey = try SecureBytes.random(count: SecretBox.keyBytes)
            wrapped = try SecretBox.seal(vaultKey, key: master)
            box = KeyBox(try KeyRing(vaultKey: vaultKey))
        } catch { throw .crypto(error.description) }
        let header = VaultHeader(
            formatVersion: Schema.formatVersion, vaultID: SecureRandom.bytes(16),
            credentialKind: credential.kind, kdf: parameters, salt: salt, wrappedVaultKey: wrapped,
            createdAt: clock.now())
        let now = clock.now()
        try database.write { db in
            try Schema.create(db)
            try header.save(db, keys: box.ring)
            try AuditLog.append(.init(event: "vault.create", actor: configuration.actor,
                                      detail: "credential \(credential.kind.rawValue)"),
                                at: now, keys: box.ring, in: db)
        }
        keyRing.withLock { $0 = box }
    }

    /// Opens the vault at `path`, locked. Checks the file's permissions, that it is an
    /// appvault vault, its format version and its header checksum.
    public static func open(
        at path: String, configuration: VaultConfiguration = VaultConfiguration()
    ) throws(VaultError) -> Vault {
        let database = try VaultDatabase.open(path: path)
        _ = try database.read { db in try VaultHeader.load(db) }
        return Vault(path: path, database: database, configuration: configuration)
    }

    /// The credential kind this vault is unlocked with.
    public func credentialKind() throws(VaultError) -> MasterCredential.Kind {
        try database.read { db in try VaultHeader.load(db).header.credentialKind }
    }

    /// Unlocks the vault: derives the master key, unwraps the vault key, checks the header MAC.
    ///
    /// - Throws: ``VaultError/wrongCredential`` for a wrong passphrase or key file,
    ///   ``VaultError/tampered(_:)`` when the header was altered.
    public func unlock(with credential: consuming MasterCredential) throws(VaultError) {
        let box = try unwrapKeys(with: credential)
        keyRing.withLock { $0 = box }
    }

    private func unwrapKeys(with credential: consuming MasterCredential) throws(VaultError) -> KeyBox {
        let (header, _, storedMAC) = try database.read { db in try VaultHeader.load(db) }
        guard credential.kind == header.credentialKind else {
            throw .invalidInput(header.credentialKind == .keyFile
                ? "this vault is unlocked with a key file; give --key-file"
                : "this vault is unlocked with a passphrase, not a key file")
        }
        let master = try MasterKey.derive(from: credential, salt: header.salt, parameters: header.kdf)
        let box: KeyBox
        do {
            let vaultKey = try SecretBox.open(header.wrappedVaultKey, key: master)
            box = KeyBox(try KeyRing(vaultKey: vaultKey))
        } catch CryptoError.authenticationFailed {
            throw .wrongCredential
        } catch {
            throw .crypto(error.description)
        }
        guard KeyedHash.constantTimeEquals(header.mac(with: box.ring), storedMAC) else {
            throw .tampered("the vault header's MAC does not match")
        }
        return box
    }

    /// Zeroes the vault key and every subkey. Later operations that need them fail with
    /// ``VaultError/locked`` until ``unlock(with:)``.
    public func lock() {
        keyRing.withLock { $0 = nil }
    }

    /// Whether the keys are in memory.
    public var isUnlocked: Bool {
        keyRing.withLock { $0 != nil }
    }

    /// Changes the master credential: re-wraps the vault key under a new master key (with a
    /// new salt) in one transaction. Entries are not touched.
    public func changeCredential(
        from current: consuming MasterCredential, to new: consuming MasterCredential,
        kdf: KDFParameters = KDFStrength.moderate.parameters
    ) throws(VaultError) {
        let box = try unwrapKeys(with: current)
        let salt = SecureRandom.bytes(PasswordHash.saltBytes)
        let parameters = new.kind == .passphrase ? kdf : KDFParameters(opsLimit: 0, memLimit: 0)
        let master = try MasterKey.derive(from: new, salt: salt, parameters: parameters)
        let wrapped: [UInt8]
        do { wrapped = try SecretBox.seal(box.ring.vaultKey, key: master) } catch { throw .crypto(error.description) }
        let now = clock.now()
        let newKind = new.kind
        try database.write { db in
            var (header, _, _) = try VaultHeader.load(db)
            header.credentialKind = newKind
            header.kdf = parameters
            header.salt = salt
            header.wrappedVaultKey = wrapped
            try header.save(db, keys: box.ring)
            try AuditLog.append(.init(event: "vault.passwd", actor: configuration.actor,
                                      detail: "credential \(newKind.rawValue)"),
                                at: now, keys: box.ring, in: db)
        }
        keyRing.withLock { $0 = box }
    }

    /// Runs `body` with the unlocked keys.
    ///
    /// The key lock is held only to take a reference to the keys, not for `body`: every lease and
    /// redeem runs a database transaction in `body`, and holding the lock across it made concurrent
    /// callers (agent connections, threads) queue on it as well as on SQLite's writer, and
    /// contention on `Mutex` (a priority-inheritance futex on Linux) costs a kernel round trip.
    /// An operation that started before ``lock()`` finishes with the keys it took; they are
    /// zeroed when it lets go of them.
    func withKeys<Result: ~Copyable>(
        _ body: (borrowing KeyRing) throws(VaultError) -> Result
    ) throws(VaultError) -> Result {
        guard let box = keyRing.withLock({ $0 }) else { throw .locked }
        return try body(box.ring)
    }

    /// The audit log, oldest first. Needs no unlock; verify it with ``verifyAudit()``.
    public func auditRecords() throws(VaultError) -> [AuditRecord] {
        try database.read { db in try AuditLog.records(db) }
    }

    /// Recomputes the audit log's hash chain and reports every record that does not match.
    public func verifyAudit() throws(VaultError) -> AuditVerification {
        try withKeys { (ring) throws(VaultError) -> AuditVerification in
            try database.read { db in try AuditLog.verify(db, keys: ring) }
        }
    }

    /// Records that the agent refused a peer (`agent.deny`). Needs the keys; while the vault is
    /// locked the agent's log line is the only record.
    package func recordAgentDenial(peer: String, action: String) {
        guard isUnlocked else { return }
        recordEvent(.init(event: "agent.deny", actor: peer, detail: "policy refused: \(action)"))
    }

    /// Appends an audit record in its own transaction (used for denials after a rollback).
    func recordEvent(_ entry: AuditLog.Entry) {
        let now = clock.now()
        do {
            try withKeys { (ring) throws(VaultError) in
                try database.write { db in try AuditLog.append(entry, at: now, keys: ring, in: db) }
            }
        } catch {
            logger.warning("could not record audit event", metadata: ["event": "\(entry.event)", "error": "\(error)"])
        }
    }
}
