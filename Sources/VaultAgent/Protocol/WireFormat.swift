/// Constants of the agent's wire protocol, version 2 (`docs/agent-protocol.md`).
///
/// A frame is a 4-byte big-endian body length followed by the body. The body starts with
/// `version` (1 byte), a message type (1 byte) and a request id (4 bytes, big-endian),
/// followed by the fields of that message type.
///
/// Version 2 removed `redeem`: no request returns an app password; clients log in to the
/// agent's IMAP and SMTP endpoints instead. A version-1 client is answered with a version-1
/// error frame telling it to upgrade.
public enum WireFormat {
    /// The protocol version this build speaks.
    public static let version: UInt8 = 2
    /// The largest body a frame may carry (64 KiB). Longer frames are refused unread.
    public static let maxBodyBytes = 65_536
    /// Bytes of the length prefix.
    public static let lengthPrefixBytes = 4
    /// Bytes of version, type and request id at the start of every body.
    public static let headerBytes = 6
    /// The longest string field (account names, lease ids, messages), in UTF-8 bytes.
    public static let maxStringBytes = 4_096
    /// The longest passphrase or credential field, in bytes.
    public static let maxSecretBytes = 4_096
}

/// The message type byte of a frame body. Retired numbers (0x04 `lease`, 0x05 `redeem`,
/// 0x85 `secret`) are never reused.
enum MessageType: UInt8 {
    case status = 0x01
    case unlock = 0x02
    case lock = 0x03
    case renew = 0x06
    case revokeLease = 0x07
    case listLeases = 0x08
    case unlockWithKeyFile = 0x09
    case grantLogin = 0x0A
    case listAccounts = 0x0B
    case addToken = 0x0C
    case listTokens = 0x0D
    case revokeToken = 0x0E
    case getFetchState = 0x0F
    case setFetchState = 0x10

    case statusReply = 0x81
    case done = 0x82
    case leaseReply = 0x83
    case leasesReply = 0x84
    case loginReply = 0x86
    case accountsReply = 0x87
    case tokenReply = 0x88
    case tokensReply = 0x89
    case fetchStateReply = 0x8A
    case error = 0xFF
}
