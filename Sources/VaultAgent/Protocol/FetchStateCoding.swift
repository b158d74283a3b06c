internal import AppVault
internal import Foundation

/// The wire form of what `appvault fetch --new` fetched from one mailbox: `bool` present, then
/// when present `u32` UIDVALIDITY, `u32` last UID, `time` updated.
extension FrameWriter {
    mutating func fetchState(_ state: FetchState?) throws(ProtocolError) {
        try bool(state != nil, "fetch state")
        guard let state else { return }
        try u32(state.uidValidity, "uidvalidity")
        try u32(state.lastUID, "last uid")
        try date(state.updatedAt, "updated at")
    }
}

extension ByteReader {
    mutating func fetchState() throws(ProtocolError) -> FetchState? {
        guard try bool("fetch state") else { return nil }
        return FetchState(uidValidity: try u32("uidvalidity"), lastUID: try u32("last uid"), updatedAt: try date("updated at"))
    }
}
