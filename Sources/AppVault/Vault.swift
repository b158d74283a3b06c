package import Foundation
import Logging
import Synchronization
public import VaultCrypto

/// An appvault vault: encrypted app passwords, leases, client tokens, traffic counters and an
/// audit log, in one SQLite file or a shared database (a ``VaultStore``).
///
/// Open it with ``open(at:configuration:)`` (locked: nothing can be read) or create one with
/// ``create(at:credential:kdf:configuration:)``; ``unlock(with:checkAnchor:)`` derives the master
/// key, unwraps the vault key into guarded memory and checks the header, the state row and the
/// rollback anchor. ``lock()`` zeroes the keys. Every change is one transaction, so several
/// processes (and, with a shared store, several hosts) can share a vault.
public final class Vault: Sendable {
    /// Where the vault is: its file, or its database address.
    public var path: String { store.location }
    let store: any VaultStore
    let configuration: VaultConfiguration
    /// The vault's random id (from its header), readable without unlocking.
    let vaultID: [UInt8]
    let anchor: RollbackAnchor
    private let keyRing = Mutex<KeyBox?>(nil)
    /// When lease grants last deleted ended leases.
    let leasePruning = LeasePruneSchedule()
    /// Shares write transactions between concurrent callers.
    let writes = GroupCommit()

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

    private init(store: any VaultStore, vaultID: [UInt8], configuration: VaultConfiguration) {
        self.store = store
        self.vaultID = vaultID
        self.configuration = configuration
        anchor = RollbackAnchor(setting: configuration.anchor, vaultID: vaultID)
    }

    var clock: any VaultClock { configuration.clock }
    /// The bounds on leases this vault was opened with.
    package var leaseLimits: LeaseLimits { configuration.leaseLimits }
    var logger: Logger { configuration.logger }

    /// The vault's id (32 hex digits): the same for every copy of this vault, different for every
    /// other vault. The agent reports it so clients can check it serves the vault they mean.
    public var id: String { Hex.encode(vaultID) }

    // MARK: - Creating and opening

    /// Creates a new vault file at `path`, unlocked, with a fresh random vault key wrapped under
    /// the master key from `credential`. Never overwrites an existing file.
    public static func create(
        at path: String, credential: consuming MasterCredential,
        kdf: KDFParameters = KDFStrength.moderate.parameters,
        configuration: VaultConfiguration = VaultConfiguration()
    ) throws(VaultError) -> Vault {
        let store = try SQLiteStore.create(path: path)
        do {
            return try create(store: store, credential: credential, kdf: kdf, configuration: configuration)
        } catch {
            SQLiteStore.removeUnfinished(path: path)
            throw error
        }
    }

    /// Creates a new vault in an empty `store`, unlocked.
    package static func create(
        store: any VaultStore, credential: consuming MasterCredential, kdf: KDFParameters,
        configuration: VaultConfiguration
    ) throws(VaultError) -> Vault {
        try credential.checkStrength()
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
        let now = configuration.clock.now()
        let header = VaultHeader(
            vaultID: SecureRandom.bytes(16), credentialKind: credential.kind, kdf: parameters, salt: salt,
            wrappedVaultKey: wrapped, createdAt: now)
        return try create(store: store, header: header, keys: box, configuration: configuration,
                          first: .init(event: "vault.create", actor: configuration.actor, detail: "credential \(credential.kind.rawValue)"))
    }

    /// Creates a vault in an empty `store` with `header` and its unlocked `keys`; the first audit
    /// record is `first`, and `populate` adds rows in the same transaction.
    static func create(
        store: any VaultStore, header: VaultHeader, keys box: KeyBox, configuration: VaultConfiguration,
        first: AuditLog.Entry, populate: (Ledger) throws(VaultError) -> Void = { _ in }
    ) throws(VaultError) -> Vault {
        let vault = Vault(store: store, vaultID: header.vaultID, configuration: configuration)
        let now = configuration.clock.now()
        let state = try store.write { writer in
            try writer.createSchema()
            try writer.putHeader(header.stored(keys: box.ring))
            try writer.putState(Ledger.genesisState(keys: box, vaultID: header.vaultID))
            let ledger = try Ledger(writer: writer, keys: box, vaultID: header.vaultID)
            try AuditLog.append(first, at: now, to: ledger)
            do { try populate(ledger) } catch { throw error }
            return try ledger.commit()
        }
        vault.keyRing.withLock { $0 = box }
        vault.anchor.advance(to: state, keys: box.ring, force: true)
        return vault
    }

    /// Opens the vault file at `path`, locked. Checks the file's and its folder's permissions,
    /// that it is an appvault vault, its format version and its header checksum.
    public static func open(
        at path: String, configuration: VaultConfiguration = VaultConfiguration()
    ) throws(VaultError) -> Vault {
        try open(store: SQLiteStore.open(path: path), configuration: configuration)
    }

    /// Opens the vault in `store`, locked.
    package static func open(store: any VaultStore, configuration: VaultConfiguration) throws(VaultError) -> Vault {
        let (header, _) = try VaultHeader.load(store.read { reader in try reader.header() })
        return Vault(store: store, vaultID: header.vaultID, configuration: configuration)
    }

    /// The credential kind this vault is unlocked with.
    public func credentialKind() throws(VaultError) -> MasterCredential.Kind {
        try loadHeader().header.credentialKind
    }

    /// The Argon2id parameters the passphrase is stretched with (zero for a key file).
    public func kdfParameters() throws(VaultError) -> KDFParameters {
        try loadHeader().header.kdf
    }

    private func loadHeader() throws(VaultError) -> (header: VaultHeader, mac: [UInt8]) {
        try VaultHeader.load(store.read { reader in try reader.header() })
    }

    // MARK: - Unlocking

    /// Unlocks the vault: derives the master key, unwraps the vault key, checks the header MAC,
    /// the state row and, with `checkAnchor`, that the vault was not rolled back behind the
    /// newest state this host saw (``RollbackAnchor``).
    ///
    /// - Throws: ``VaultError/wrongCredential`` for a wrong passphrase or key file,
    ///   ``VaultError/tampered(_:)`` when the header or state was altered or the vault rolled back.
    public func unlock(with credential: consuming MasterCredential, checkAnchor: Bool = true) throws(VaultError) {
        let box = try unwrapKeys(with: credential)
        let recorded = anchor.read()
        let state = try store.read { reader in try Ledger(reader: reader, keys: box, vaultID: vaultID).committed }
        if checkAnchor {
            let verdict = anchor.check(state, against: recorded, keys: box.ring)
            if verdict.isProblem {
                throw .tampered("\(verdict.description). If you restored a backup on purpose, run `appvault audit --verify --accept-rollback`")
            }
        }
        keyRing.withLock { $0 = box }
    }

    private func unwrapKeys(with credential: consuming MasterCredential) throws(VaultError) -> KeyBox {
        let (header, storedMAC) = try loadHeader()
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
    /// ``VaultError/locked`` until ``unlock(with:checkAnchor:)``.
    public func lock() {
        keyRing.withLock { $0 = nil }
    }

    /// Whether the keys are in memory.
    public var isUnlocked: Bool {
        keyRing.withLock { $0 != nil }
    }

    /// Changes the master credential: re-wraps the vault key under a new master key (with a
    /// new salt) in one transaction. Entries are not touched.
    ///
    /// - Parameter kdf: the new passphrase's Argon2id cost; nil keeps the current one. A weaker
    ///   cost than the current one is refused unless `allowWeakerKDF`.
    public func changeCredential(
        from current: consuming MasterCredential, to new: consuming MasterCredential,
        kdf: KDFParameters? = nil, allowWeakerKDF: Bool = false
    ) throws(VaultError) {
        try new.checkStrength()
        let (header, _) = try loadHeader()
        let box = try unwrapKeys(with: current)
        var parameters = KDFParameters(opsLimit: 0, memLimit: 0)
        if new.kind == .passphrase {
            let currentKDF = header.credentialKind == .passphrase ? header.kdf : KDFStrength.moderate.parameters
            parameters = kdf ?? currentKDF
            if !allowWeakerKDF, parameters.opsLimit < currentKDF.opsLimit || parameters.memLimit < currentKDF.memLimit {
                throw .invalidInput("the new Argon2id cost (\(parameters.memLimit >> 20) MiB, \(parameters.opsLimit) passes) is weaker than the current one (\(currentKDF.memLimit >> 20) MiB, \(currentKDF.opsLimit) passes); pass --allow-weaker-kdf to lower it on purpose")
            }
        }
        let salt = SecureRandom.bytes(PasswordHash.saltBytes)
        let master = try MasterKey.derive(from: new, salt: salt, parameters: parameters)
        let wrapped: [UInt8]
        do { wrapped = try SecretBox.seal(box.ring.vaultKey, key: master) } catch { throw .crypto(error.description) }
        let now = clock.now()
        let newKind = new.kind
        let updated = VaultHeader(vaultID: header.vaultID, credentialKind: newKind, kdf: parameters, salt: salt,
                                  wrappedVaultKey: wrapped, createdAt: header.createdAt)
        keyRing.withLock { $0 = box }
        try write { ledger throws(VaultError) in
            try ledger.putHeader(updated.stored(keys: box.ring))
            try AuditLog.append(.init(event: "vault.passwd", actor: configuration.actor,
                                      detail: "credential \(newKind.rawValue), Argon2id \(parameters.memLimit >> 20) MiB x \(parameters.opsLimit)"),
                                at: now, to: ledger)
        }
    }

    // MARK: - Transactions

    /// The unlocked keys, or ``VaultError/locked``.
    ///
    /// The key lock is held only to take a reference to the keys: an operation that started
    /// before ``lock()`` finishes with the keys it took; they are zeroed when it lets go of them.
    func keyBox() throws(VaultError) -> KeyBox {
        guard let box = keyRing.withLock({ $0 }) else { throw .locked }
        return box
    }

    /// Runs `body` on a checked, read-only view of one snapshot.
    func read<T>(_ body: (Ledger) throws(VaultError) -> T) throws(VaultError) -> T {
        let box = try keyBox()
        return try store.read { reader in
            let ledger = try Ledger(reader: reader, keys: box, vaultID: vaultID)
            do { return try body(ledger) } catch { throw error }
        }
    }

    /// Runs `body` in a write transaction and commits what it buffered, with a new state row;
    /// then advances the rollback anchor. Concurrent callers share transactions (``GroupCommit``):
    /// `body` may run on another caller's thread while this one waits, and sees every change
    /// buffered before it.
    @discardableResult
    func write<T>(_ body: (Ledger) throws(VaultError) -> T) throws(VaultError) -> T {
        let box = try keyBox()
        var result: T?
        var failure: VaultError?
        withoutActuallyEscaping(body) { body in
            let operation = GroupCommit.Operation { ledger in
                let checkpoint = ledger.checkpoint()
                do throws(VaultError) {
                    result = try body(ledger)
                    return nil
                } catch {
                    ledger.restore(checkpoint)
                    return error
                }
            }
            do throws(VaultError) {
                try writes.perform(operation) { (batch) throws(VaultError) in try commit(batch, keys: box) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        guard let result else { throw .storage("a write produced no result") }
        return result
    }

    /// Runs a batch of operations in one store transaction and commits it.
    private func commit(_ batch: [GroupCommit.Operation], keys box: KeyBox) throws(VaultError) {
        let state = try store.write { writer -> StoredState? in
            let ledger = try Ledger(writer: writer, keys: box, vaultID: vaultID)
            for operation in batch { operation.failure = operation.run?(ledger) }
            return ledger.hasChanges ? try ledger.commit() : nil
        }
        if let state { anchor.advance(to: state, keys: box.ring) }
    }

    /// Makes everything committed durable in the main store (SQLite: moves the write-ahead log
    /// into the file), so a copy of the file holds it all.
    package func checkpoint() {
        store.checkpoint()
    }

    /// Appends an audit record in its own transaction (used for denials after a rollback).
    func recordEvent(_ entry: AuditLog.Entry) {
        let now = clock.now()
        do {
            try write { ledger throws(VaultError) in try AuditLog.append(entry, at: now, to: ledger) }
        } catch {
            logger.warning("could not record audit event", metadata: ["event": "\(entry.event)", "error": "\(error)"])
        }
    }

    /// Records that the agent refused a peer (`agent.deny`). Needs the keys; while the vault is
    /// locked the agent's log line is the only record.
    package func recordAgentDenial(peer: String, action: String) {
        guard isUnlocked else { return }
        recordEvent(.init(event: "agent.deny", actor: peer, detail: "policy refused: \(action)"))
    }

    /// Records a batch of events that happened while the vault was locked (failed unlocks), in
    /// one transaction, once it is unlocked.
    package func recordEvents(_ entries: [(at: Date, event: String, actor: String, detail: String)]) {
        guard !entries.isEmpty else { return }
        do {
            try write { ledger throws(VaultError) in
                for entry in entries {
                    try AuditLog.append(.init(event: entry.event, actor: entry.actor, detail: entry.detail), at: entry.at, to: ledger)
                }
            }
        } catch {
            logger.warning("could not record audit events", metadata: ["count": "\(entries.count)", "error": "\(error)"])
        }
    }
}
