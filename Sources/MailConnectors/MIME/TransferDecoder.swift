/// A Content-Transfer-Encoding decoder fed in chunks (for streamed bodies) or all at once.
/// Chunks are concrete slices: decoders are called through `any TransferDecoder`, where a
/// generic collection parameter would leave every byte to dynamic dispatch.
protocol TransferDecoder {
    /// Decodes `chunk`, appending what is complete to `output` and keeping what may continue.
    mutating func decode(_ chunk: ArraySlice<UInt8>, into output: inout [UInt8])
    /// Appends whatever is held back once the input has ended.
    mutating func finish(into output: inout [UInt8])
}

/// The identity decoding of `7bit`, `8bit`, `binary` and unknown encodings.
struct IdentityDecoder: TransferDecoder {
    mutating func decode(_ chunk: ArraySlice<UInt8>, into output: inout [UInt8]) { output += chunk }
    mutating func finish(into output: inout [UInt8]) {}
}

/// The Content-Transfer-Encoding values a decoder exists for.
public enum TransferEncoding: String, Sendable, Equatable {
    /// `base64`.
    case base64
    /// `quoted-printable`.
    case quotedPrintable = "quoted-printable"
    /// `7bit`, `8bit`, `binary`, or any other value: the bytes are the content.
    case identity

    /// The encoding named by a Content-Transfer-Encoding value (case-insensitive).
    public init(_ value: String?) {
        switch value?.lowercased().trimmingWhiteSpace() {
        case "base64": self = .base64
        case "quoted-printable": self = .quotedPrintable
        default: self = .identity
        }
    }

    /// A fresh decoder for this encoding.
    func makeDecoder() -> any TransferDecoder {
        switch self {
        case .base64: Base64Decoder()
        case .quotedPrintable: QuotedPrintableDecoder()
        case .identity: IdentityDecoder()
        }
    }

    /// Decodes `bytes` at once.
    public func decode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var decoder = makeDecoder()
        var output: [UInt8] = []
        decoder.decode(ArraySlice(bytes), into: &output)
        decoder.finish(into: &output)
        return output
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingWhiteSpace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
