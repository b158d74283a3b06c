internal import CLibPQ
import Glibc

/// Entry point for the libFuzzer target in Tests/Fuzz/PostgresRows: result sets as a hostile
/// server or a doctored table could return them (any column names and types, any lengths, NULLs)
/// through the row decoders the store uses. Any input must end in rows or a
/// ``AppVault/VaultError``, never a trap.
///
/// Input layout: one byte picks the decoder; one byte gives the column count (at most 12), then
/// per column one byte for its name (from the store's column names) and one for its type; one
/// byte gives the row count (at most 16), then per cell one length byte (255: NULL) and that many
/// bytes. Missing bytes read as zero.
package enum RowFuzzing {
    private static let names = [
        "application", "format_version", "ours", "total", "counter", "vault_id", "credential_kind", "kdf_ops_limit",
        "kdf_mem_limit", "kdf_salt", "wrapped_vault_key", "created_ms", "header_checksum", "header_mac", "audit_seq",
        "audit_chain", "tree_root", "mac", "kind", "key", "ref", "tag", "body", "id", "node", "seq", "at_ms",
    ]
    private static let types: [UInt32] = [
        PostgresValue.OID.bytea, PostgresValue.OID.int8, PostgresValue.OID.int2, PostgresValue.OID.int4,
        PostgresValue.OID.text, 16, 0,
    ]

    package static func rows(_ bytes: [UInt8]) {
        var input = bytes[...]
        func next() -> UInt8 { input.popFirst() ?? 0 }
        let decoder = next() % 10
        guard let result = appvault_PQmakeEmptyPGresult()!(nil, PGRES_TUPLES_OK) else { return }
        let columns = Int(next() % 13)
        let columnNames = (0..<columns).map { _ in strdup(names[Int(next()) % names.count]) }
        defer { columnNames.forEach { free($0) } }
        var descriptions = columnNames.map { name in
            PGresAttDesc(name: name, tableid: 0, columnid: 0, format: 1, typid: types[Int(next()) % types.count], typlen: -1, atttypmod: -1)
        }
        guard appvault_PQsetResultAttrs()!(result, Int32(columns), &descriptions) == 1 else { appvault_PQclear()!(result); return }
        let rowCount = Int(next() % 17)
        for row in 0..<rowCount {
            for column in 0..<columns {
                let length = next()
                var cell = (0..<Int(length == 255 ? 0 : length)).map { _ in CChar(bitPattern: next()) }
                let stored = cell.withUnsafeMutableBufferPointer { buffer in
                    appvault_PQsetvalue()!(result, Int32(row), Int32(column), length == 255 ? nil : buffer.baseAddress, length == 255 ? -1 : Int32(length))
                }
                guard stored == 1 else { appvault_PQclear()!(result); return }
            }
        }
        decode(decoder, PostgresResult(adopting: result))
    }

    private static func decode(_ decoder: UInt8, _ rows: consuming PostgresResult) {
        switch decoder {
        case 0: _ = try? RowDecoding.format(rows)
        case 1: _ = try? RowDecoding.census(rows)
        case 2: _ = try? RowDecoding.counter(rows)
        case 3: _ = try? RowDecoding.header(rows)
        case 4: _ = try? RowDecoding.state(rows)
        case 5: _ = try? RowDecoding.records(rows)
        case 6: _ = try? RowDecoding.treeNodes(rows)
        case 7: _ = try? RowDecoding.auditEntries(rows)
        default: _ = try? RowDecoding.lastSequence(rows)
        }
    }
}
