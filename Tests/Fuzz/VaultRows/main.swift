import AppVault
import Foundation
import FuzzSupport
import Glibc
import GRDB
import VaultCrypto

/// Edits the rows of a valid vault as the input dictates, then opens, unlocks, lists, verifies,
/// leases and opens a session: any edit of any cell of any table must end in a value or a
/// `VaultError`, never a trap (issue 11: "fuzzing of the vault file reader on edited rows of every
/// table"). Byte mutations of a whole SQLite file rarely get past SQLite's own checks; this
/// target starts from a well-formed file and changes what an attacker with `sqlite3` could.
private let fixedKey = [UInt8](repeating: 0x5A, count: 32)
private let folder: String = {
    var template = Array("/tmp/appvault-fuzz-rows-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}()
private let seedPath = folder + "/seed.db"
private let tables = ["records", "tree", "audit_log", "vault_state", "vault_header"]
private let columns: [String: [String]] = [
    "records": ["kind", "key", "ref", "tag", "body"], "tree": ["id", "node"],
    "audit_log": ["seq", "at_ms", "body", "mac"],
    "vault_state": ["counter", "audit_seq", "audit_chain", "tree_root", "mac"],
    "vault_header": ["format_version", "vault_id", "credential_kind", "kdf_ops_limit", "kdf_mem_limit", "kdf_salt",
                     "wrapped_vault_key", "created_ms", "header_checksum", "header_mac"],
]

/// A vault with every kind of row: accounts, a rotated password, leases, a session, a token,
/// traffic and fetch state.
private func makeSeed() throws {
    guard !FileManager.default.fileExists(atPath: seedPath) else { return }
    let vault = try Vault.create(at: seedPath, credential: .keyFile(contents: SecureBytes(copying: fixedKey)))
    try vault.addAccount(AccountSpec(name: "work", email: "work@gmail.com", provider: "gmail"),
                         secret: SecureBytes(copying: Array("seedseedseedseed".utf8)))
    try vault.addAccount(AccountSpec(name: "home", email: "home@example.org", provider: "custom",
                                     imap: ServerEndpoint(parsing: "imap.example.org:993"),
                                     smtp: ServerEndpoint(parsing: "smtp.example.org:587")),
                         secret: SecureBytes(copying: Array("Home-Password-1".utf8)))
    let lease = try vault.lease(account: "work", for: .smtp, uses: 2, holder: "seed")
    try vault.redeem(lease, for: .smtp) { _ in }
    _ = try vault.rotate(account: "work")
    let token = try vault.addToken(account: "home", client: "seed", protocols: [.imap])
    var text: SecureBytes?
    try token.reveal { text = try SecureBytes(copying: $0) }
    _ = try vault.openSession(account: "home", credential: text.take()!, protocol: .imap, holder: "seed")
    _ = try vault.grantLoginLease(account: "home", for: .smtp, holder: "seed")
    try vault.recordTraffic(account: "home", bytesIn: 10, bytesOut: 20)
    try vault.setFetchState(FetchState(uidValidity: 1, lastUID: 9, updatedAt: Date()), account: "home", mailbox: "INBOX")
    vault.checkpoint()
}

/// Reads the input as a list of edits: table, column, row, operation, value.
private struct Edits {
    var bytes: [UInt8]
    var index = 0
    mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }
    mutating func value(_ length: Int) -> [UInt8] {
        let end = min(bytes.count, index + length)
        defer { index = end }
        return Array(bytes[index..<end])
    }
}

private func apply(_ data: [UInt8], to path: String) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
        var edits = Edits(bytes: data)
        while let tableByte = edits.next(), let columnByte = edits.next(), let rowByte = edits.next(), let operation = edits.next() {
            let table = tables[Int(tableByte) % tables.count]
            let names = columns[table]!
            let column = names[Int(columnByte) % names.count]
            let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            guard rows > 0 else { continue }
            let offset = Int(rowByte) % rows
            let row = "(SELECT rowid FROM \(table) LIMIT 1 OFFSET \(offset))"
            let target = table == "records"
                ? "(kind, key) IN (SELECT kind, key FROM records LIMIT 1 OFFSET \(offset))" : "rowid = \(row)"
            switch operation % 8 {
            case 0: try? db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(target)", arguments: [Data(edits.value(Int(operation >> 3) + 1))])
            case 1: try? db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(target)",
                                    arguments: [Int64(bitPattern: UInt64(edits.value(8).reduce(0) { $0 << 8 | UInt64($1) }))])
            case 2: try? db.execute(sql: "UPDATE \(table) SET \(column) = NULL WHERE \(target)")
            case 3: try? db.execute(sql: "DELETE FROM \(table) WHERE \(target)")
            case 4:
                // Flip one bit of a blob cell.
                guard var blob = try? Data.fetchOne(db, sql: "SELECT \(column) FROM \(table) WHERE \(target)"), !blob.isEmpty else { continue }
                let position = Int(edits.next() ?? 0) % blob.count
                blob[position] ^= 1 << ((edits.next() ?? 0) % 8)
                try? db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(target)", arguments: [blob])
            case 5:
                // Copy the cell from another row of the same table (a swap or a restore).
                let other = Int(edits.next() ?? 0) % rows
                let source = table == "records"
                    ? "(SELECT \(column) FROM records LIMIT 1 OFFSET \(other))" : "(SELECT \(column) FROM \(table) WHERE rowid = (SELECT rowid FROM \(table) LIMIT 1 OFFSET \(other)))"
                try? db.execute(sql: "UPDATE \(table) SET \(column) = \(source) WHERE \(target)")
            case 6: try? db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(target)", arguments: [String(decoding: edits.value(12), as: UTF8.self)])
            default: try? db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(target)", arguments: [Double(bitPattern: UInt64(edits.value(8).reduce(0) { $0 << 8 | UInt64($1) }))])
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func vaultRowsInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = folder + "/vault.db"
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    guard (try? FileManager.default.copyItem(atPath: seedPath, toPath: path)) != nil else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard (try? apply(bytes, to: path)) != nil else { return 0 }
    do {
        let vault = try Vault.open(at: path)
        try vault.unlock(with: .keyFile(contents: SecureBytes(copying: fixedKey)))
        _ = try? vault.verifyAudit()
        _ = try? vault.auditRecords()
        _ = try? vault.liveLeases()
        _ = try? vault.tokens()
        _ = try? vault.trafficToday()
        _ = try? vault.fetchState(account: "home", mailbox: "INBOX")
        for name in ["work", "home"] {
            if let lease = try? vault.lease(account: name, for: .imap, holder: "fuzz") {
                try? vault.redeem(lease, for: .imap) { _ in }
            }
        }
        _ = try? vault.renewSessions((try? vault.liveLeases().map(\.id)) ?? [])
        _ = try vault.accounts()
    } catch {}
    return 0
}

do { try makeSeed() } catch { print("seed failed: \(error)"); exit(1) }
exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: vaultRowsInput))
