import AppVault
import Foundation
import FuzzSupport
import Glibc
import VaultCrypto

/// The key every seed vault is made with, so the fuzzer reaches the code behind unlock.
private let fixedKey = [UInt8](repeating: 0x5A, count: 32)
private let workFolder: String = {
    var template = Array("/tmp/appvault-fuzz-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}()

/// Any file content must open, list, unlock, verify and lease, or fail with a VaultError; never trap.
@_cdecl("LLVMFuzzerTestOneInput")
func vaultFileInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = workFolder + "/vault.db"
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { return 0 }
    if size > 0, let data { _ = write(fd, data, size) }
    close(fd)
    do {
        let vault = try Vault.open(at: path)
        try vault.unlock(with: .keyFile(contents: SecureBytes(copying: fixedKey)))
        let accounts = try vault.accounts()
        _ = try vault.auditRecords()
        _ = try vault.liveLeases()
        _ = try vault.tokens()
        _ = try vault.verifyAudit()
        for account in accounts where account.status != .revoked {
            let lease = try vault.lease(account: account.name, for: .imap, holder: "fuzz")
            try vault.redeem(lease, for: .imap) { _ in }
        }
    } catch {}
    return 0
}

/// `FuzzVaultFile --make-seed PATH` writes a small vault made with the fixed key.
private func makeSeed(_ path: String) throws {
    let vault = try Vault.create(at: path, credential: .keyFile(contents: SecureBytes(copying: fixedKey)))
    try vault.addAccount(AccountSpec(name: "work", email: "work@gmail.com", provider: "gmail"),
                         secret: SecureBytes(copying: Array("seedseedseedseed".utf8)))
    let lease = try vault.lease(account: "work", for: .smtp, holder: "seed")
    try vault.redeem(lease, for: .smtp) { _ in }
    _ = try vault.rotate(account: "work")
}

if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--make-seed" {
    do { try makeSeed(CommandLine.arguments[2]); exit(0) } catch { print("seed failed: \(error)"); exit(1) }
}
exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, target: vaultFileInput))
