internal import CSodium

/// Wiping of ordinary memory that briefly held a secret (a read buffer, a protocol line).
public enum Memory {
    /// Overwrites `bytes` with zeros in a way the compiler cannot optimise away (`sodium_memzero`).
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
        }
    }

    /// Overwrites a raw buffer with zeros.
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }
}
