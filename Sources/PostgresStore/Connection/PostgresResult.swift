import AppVault
internal import CLibPQ

/// One statement's result rows in binary format, freed when it goes away.
///
/// Every accessor checks the column's type and NULL-ness: a column whose type a database
/// administrator changed, or a NULL where a value belongs, is ``AppVault/VaultError/tampered(_:)``,
/// never a crash.
struct PostgresResult: ~Copyable {
    private let pointer: OpaquePointer

    init(adopting pointer: OpaquePointer) { self.pointer = pointer }

    deinit { appvault_PQclear()!(pointer) }

    var rowCount: Int { Int(appvault_PQntuples()!(pointer)) }

    /// The number of rows a command changed (`UPDATE`, `INSERT`), 0 when it does not say.
    var affectedRows: Int { appvault_PQcmdTuples()!(pointer).flatMap { Int(String(cString: $0)) } ?? 0 }

    private func column(_ name: String) throws(VaultError) -> Int32 {
        let index = appvault_PQfnumber()!(pointer, name)
        guard index >= 0 else { throw .tampered("the database's result has no column '\(name)' (was the table altered?)") }
        return index
    }

    private func raw(_ row: Int, _ name: String, type: UInt32) throws(VaultError) -> [UInt8]? {
        let index = try column(name)
        guard appvault_PQftype()!(pointer, index) == type else {
            throw .tampered("column '\(name)' has another type than the vault's schema gives it")
        }
        if appvault_PQgetisnull()!(pointer, Int32(row), index) != 0 { return nil }
        let length = Int(appvault_PQgetlength()!(pointer, Int32(row), index))
        guard let value = appvault_PQgetvalue()!(pointer, Int32(row), index) else { return [] }
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    private func required(_ row: Int, _ name: String, type: UInt32) throws(VaultError) -> [UInt8] {
        guard let value = try raw(row, name, type: type) else { throw .tampered("column '\(name)' is unexpectedly empty") }
        return value
    }

    /// A `bytea` column; NULL is tampering.
    func bytes(_ row: Int, _ name: String) throws(VaultError) -> [UInt8] {
        try required(row, name, type: PostgresValue.OID.bytea)
    }

    /// A `bytea` column, nil for NULL.
    func optionalBytes(_ row: Int, _ name: String) throws(VaultError) -> [UInt8]? {
        try raw(row, name, type: PostgresValue.OID.bytea)
    }

    /// A `bigint` column; NULL is tampering.
    func int64(_ row: Int, _ name: String) throws(VaultError) -> Int64 {
        try Self.integer(required(row, name, type: PostgresValue.OID.int8), name)
    }

    /// A `bigint` column, nil for NULL (an aggregate over no rows).
    func optionalInt64(_ row: Int, _ name: String) throws(VaultError) -> Int64? {
        try raw(row, name, type: PostgresValue.OID.int8).map { bytes throws(VaultError) in try Self.integer(bytes, name) }
    }

    /// An `integer` column; NULL is tampering.
    func int32(_ row: Int, _ name: String) throws(VaultError) -> Int32 {
        Int32(truncatingIfNeeded: try Self.integer(required(row, name, type: PostgresValue.OID.int4), name))
    }

    /// A `smallint` column; NULL is tampering.
    func int16(_ row: Int, _ name: String) throws(VaultError) -> Int16 {
        Int16(truncatingIfNeeded: try Self.integer(required(row, name, type: PostgresValue.OID.int2), name))
    }

    /// A `text` column; NULL or bytes that are not UTF-8 are tampering.
    func text(_ row: Int, _ name: String) throws(VaultError) -> String {
        guard let text = String(validating: try required(row, name, type: PostgresValue.OID.text), as: UTF8.self) else {
            throw .tampered("column '\(name)' is not UTF-8 text")
        }
        return text
    }

    /// A big-endian signed integer of 2, 4 or 8 bytes.
    private static func integer(_ bytes: [UInt8], _ name: String) throws(VaultError) -> Int64 {
        guard [2, 4, 8].contains(bytes.count) else { throw .tampered("column '\(name)' holds a malformed integer") }
        var value: Int64 = bytes[0] & 0x80 != 0 ? -1 : 0
        for byte in bytes { value = value << 8 | Int64(byte) }
        return value
    }
}
