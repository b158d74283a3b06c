/// Why bytes received from a peer are not a valid frame.
///
/// The server answers each of these with an error reply and closes that connection only.
public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The length prefix announces more than ``WireFormat/maxBodyBytes``. Send smaller frames.
    case frameTooLarge(announced: Int)
    /// The frame is cut short, has bytes left over, or a field holds an impossible value;
    /// the text names the field. Fix the client's encoder.
    case malformed(String)
    /// The peer speaks a protocol version this agent does not. Use a matching client.
    case unsupportedVersion(UInt8)
    /// The message type byte is not one this version defines.
    case unknownMessageType(UInt8)
    /// Guarded memory for a secret field could not be allocated. Raise `ulimit -l`.
    case outOfSecureMemory

    public var description: String {
        switch self {
        case .frameTooLarge(let announced):
            "frame of \(announced) bytes exceeds the \(WireFormat.maxBodyBytes)-byte limit"
        case .malformed(let what):
            "malformed frame: \(what)"
        case .unsupportedVersion(let version):
            "protocol version \(version) is not supported (this agent speaks \(WireFormat.version))"
        case .unknownMessageType(let type):
            "unknown message type 0x\(String(type, radix: 16))"
        case .outOfSecureMemory:
            "no guarded memory left for a secret field; raise `ulimit -l`"
        }
    }
}
