import Foundation
import Glibc
import Synchronization
import VaultCrypto

/// Where a vault keeps its rollback anchor.
public enum AnchorSetting: Sendable, Equatable {
    /// No anchor (a library embedding the vault decides for itself).
    case disabled
    /// `$XDG_STATE_HOME/appvault/anchors/VAULT-ID.anchor`, else `~/.local/state/appvault/anchors/...`.
    case standard
    /// A file in a folder of the caller's choice (on another disk, a mounted token...).
    case folder(String)
}

/// What the anchor says about the vault's state (``RollbackAnchor/check(_:)``).
public enum AnchorVerdict: Sendable, Equatable, CustomStringConvertible {
    /// Anchors are disabled.
    case disabled
    /// No anchor yet: this host has not seen this vault before (it is written now).
    case new
    /// The vault is at or after the last state this host saw.
    case consistent(counter: Int64)
    /// The vault is older than the last state this host saw: it was rolled back or replaced.
    case rolledBack(anchor: Int64, vault: Int64)
    /// The vault reached the same commit number along another history.
    case forked(counter: Int64)
    /// The anchor file is unreadable or fails its MAC.
    case invalid(String)

    public var description: String {
        switch self {
        case .disabled: "no rollback anchor (disabled)"
        case .new: "no rollback anchor yet for this vault on this host; one was written"
        case .consistent(let counter): "rollback anchor consistent (commit \(counter) or later)"
        case .rolledBack(let anchor, let vault):
            "the vault is at commit \(vault) but this host already saw commit \(anchor): it was rolled back or replaced by an older copy"
        case .forked(let counter): "the vault's commit \(counter) differs from the one this host saw: it was replaced"
        case .invalid(let problem): "the rollback anchor is invalid: \(problem)"
        }
    }

    /// Whether this verdict means the vault must not be trusted.
    public var isProblem: Bool {
        switch self {
        case .rolledBack, .forked, .invalid: true
        case .disabled, .new, .consistent: false
        }
    }
}

/// State kept outside the vault so that rolling the whole vault back to an older copy is found
/// (docs/threat_model.md). The anchor records the newest commit this host saw (counter, tree
/// root, audit head) under a MAC from the vault key. It catches a vault file or database
/// restored to an older state while the anchor survives; it cannot catch an attacker who also
/// rolls back or deletes the anchor (keep it on other storage with ``AnchorSetting/folder(_:)``
/// to make that harder), nor changes made since the last anchor update (at most one second).
final class RollbackAnchor: Sendable {
    let path: String?
    private let vaultID: [UInt8]
    /// The last counter written and when, to write at most once a second on busy agents.
    private let lastWrite = Mutex<(counter: Int64, at: Double)>((-1, 0))

    static let minimumInterval = 1.0

    init(setting: AnchorSetting, vaultID: [UInt8]) {
        self.vaultID = vaultID
        let name = Hex.encode(vaultID) + ".anchor"
        switch setting {
        case .disabled: path = nil
        case .folder(let folder): path = folder + "/" + name
        case .standard:
            let environment = ProcessInfo.processInfo.environment
            let base = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
                ?? (environment["HOME"] ?? "/") + "/.local/state"
            path = base + "/appvault/anchors/" + name
        }
    }

    private struct Contents {
        var counter: Int64
        var root: [UInt8]
        var auditSequence: Int64
        var mac: [UInt8]
    }

    /// The anchor file's text as it is now (nil: none yet). Read it *before* the vault's state:
    /// another process commits first and advances the anchor after, so a state read after the
    /// anchor is never older than it unless the vault was really rolled back.
    struct Reading {
        fileprivate let text: String?
    }

    /// Reads the anchor, for ``check(_:against:keys:)``.
    func read() -> Reading {
        Reading(text: path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) })
    }

    /// Compares `state` (MAC already checked, read after `reading`) with the anchor; writes a
    /// first anchor if none.
    func check(_ state: StoredState, against reading: Reading, keys: borrowing KeyRing) -> AnchorVerdict {
        guard path != nil else { return .disabled }
        guard let text = reading.text else {
            advance(to: state, keys: keys, force: true)
            return .new
        }
        guard let contents = Self.parse(text) else { return .invalid("\(path) is not an appvault anchor") }
        guard KeyedHash.constantTimeEquals(contents.mac, mac(contents.counter, contents.root, contents.auditSequence, keys: keys)) else {
            return .invalid("\(path) does not match its MAC (edited, or made for another vault)")
        }
        if contents.counter > state.counter { return .rolledBack(anchor: contents.counter, vault: state.counter) }
        if contents.counter == state.counter, contents.root != state.treeRoot || contents.auditSequence != state.auditSequence {
            return .forked(counter: state.counter)
        }
        return .consistent(counter: contents.counter)
    }

    /// Records `state` as the newest seen, unless a newer one is recorded; at most once a second
    /// unless `force`. Best effort: failing to write an anchor never fails a vault operation.
    func advance(to state: StoredState, keys: borrowing KeyRing, force: Bool = false) {
        guard let path else { return }
        let now = Date().timeIntervalSince1970
        let due = lastWrite.withLock { last -> Bool in
            guard state.counter > last.counter, force || now - last.at >= Self.minimumInterval else { return false }
            last = (state.counter, now)
            return true
        }
        guard due else { return }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let lockFD = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lockFD >= 0 else { return }
        defer { close(lockFD) }
        guard flock(lockFD, LOCK_EX) == 0 else { return }
        defer { flock(lockFD, LOCK_UN) }
        if let text = try? String(contentsOfFile: path, encoding: .utf8), let current = Self.parse(text),
           current.counter >= state.counter,
           KeyedHash.constantTimeEquals(current.mac, mac(current.counter, current.root, current.auditSequence, keys: keys)) {
            return
        }
        let contents = """
            appvault-anchor 1
            vault \(Hex.encode(vaultID))
            counter \(state.counter)
            root \(Hex.encode(state.treeRoot))
            audit \(state.auditSequence)
            mac \(Hex.encode(mac(state.counter, state.treeRoot, state.auditSequence, keys: keys)))

            """
        let temporary = path + ".new"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { unlink(temporary); return }
        rename(temporary, path)
    }

    /// Replaces the anchor with `state`, even if it records a newer commit (after a deliberate
    /// restore from a backup).
    func reset(to state: StoredState, keys: borrowing KeyRing) {
        guard let path else { return }
        unlink(path)
        lastWrite.withLock { $0 = (-1, 0) }
        advance(to: state, keys: keys, force: true)
    }

    private func mac(_ counter: Int64, _ root: [UInt8], _ auditSequence: Int64, keys: borrowing KeyRing) -> [UInt8] {
        var writer = ByteWriter(domain: "appvault-anchor-v1")
        writer.append(vaultID)
        writer.append(counter)
        writer.append(root)
        writer.append(auditSequence)
        return KeyedHash.hash(writer.bytes, key: keys.anchorKey)
    }

    private static func parse(_ text: String) -> Contents? {
        var fields = [String: String]()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard fields["appvault-anchor"] == "1", let counter = fields["counter"].flatMap(Int64.init),
              let root = fields["root"].flatMap(Hex.decode), let audit = fields["audit"].flatMap(Int64.init),
              let mac = fields["mac"].flatMap(Hex.decode)
        else { return nil }
        return Contents(counter: counter, root: root, auditSequence: audit, mac: mac)
    }
}
