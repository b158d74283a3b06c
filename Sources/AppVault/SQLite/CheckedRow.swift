import Foundation
import GRDB

/// Reads cells without GRDB's trapping conversions: a NULL where a value belongs, or a value of
/// the wrong type (a doctored file), throws ``VaultError/tampered(_:)`` instead of crashing.
extension Row {
    /// The value of `column`; NULL or a mistyped value is tampering.
    func required<Value: DatabaseValueConvertible>(_ column: String, as type: Value.Type = Value.self) throws(VaultError) -> Value {
        guard let value = try optional(column, as: type) else {
            throw VaultError.tampered("column '\(column)' is unexpectedly empty")
        }
        return value
    }

    /// The value of `column`, nil for NULL; a mistyped value is tampering.
    func optional<Value: DatabaseValueConvertible>(_ column: String, as type: Value.Type = Value.self) throws(VaultError) -> Value? {
        let raw: DatabaseValue = self[column] ?? .null
        if raw.isNull { return nil }
        guard let value = Value.fromDatabaseValue(raw) else {
            throw VaultError.tampered("column '\(column)' holds a value of the wrong type")
        }
        return value
    }
}

extension Row {
    /// A BLOB column as bytes; NULL or another type is tampering.
    func blob(_ column: String) throws(VaultError) -> [UInt8] {
        Array(try required(column, as: Data.self))
    }

    /// A BLOB column as bytes, nil for NULL.
    func optionalBlob(_ column: String) throws(VaultError) -> [UInt8]? {
        try optional(column, as: Data.self).map(Array.init)
    }
}
