/// A mail address from an envelope or an address header.
public struct MailAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The display name, RFC 2047-decoded, if any.
    public var name: String?
    /// `local@domain`; just `local` when the server sent no domain.
    public var address: String
    /// The RFC 5322 group the address was listed in (`To: Friends: a@x, b@y;`), decoded; nil
    /// outside groups.
    public var group: String?

    /// Creates an address.
    public init(name: String?, address: String, group: String? = nil) {
        self.name = name
        self.address = address
        self.group = group
    }

    /// `Name <local@domain>`, or the bare address.
    public var description: String { name.map { "\($0) <\(address)>" } ?? address }
}
