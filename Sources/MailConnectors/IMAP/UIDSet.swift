/// IMAP sequence sets of UIDs (`1:3,7,9:12`, RFC 9051 §9 `sequence-set`).
enum UIDSet {
    /// The compact set syntax for `uids` (sorted, runs collapsed); empty for no UIDs.
    static func format(_ uids: some Sequence<UInt32>) -> String {
        let sorted = Array(Set(uids)).sorted()
        var runs: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            runs.append(end == index ? "\(sorted[index])" : "\(sorted[index]):\(sorted[end])")
            index = end + 1
        }
        return runs.joined(separator: ",")
    }

    /// The UIDs in `set` (no `*`), or nil if it is malformed or names more than `limit`.
    static func parse(_ set: String, limit: Int = 1_000_000) -> [UInt32]? {
        var uids: [UInt32] = []
        for run in set.split(separator: ",") {
            let ends = run.split(separator: ":")
            guard ends.count == 1 || ends.count == 2, let first = UInt32(ends[0]), let last = UInt32(ends.last!) else { return nil }
            let (low, high) = (min(first, last), max(first, last))
            guard uids.count + Int(high - low) < limit else { return nil }
            uids += Array(low...high)
        }
        return uids
    }

    /// How many UIDs `set` names (0 if malformed).
    static func count(of set: String) -> Int {
        var total = 0
        for run in set.split(separator: ",") {
            let ends = run.split(separator: ":")
            guard let first = ends.first.flatMap({ UInt32($0) }), let last = ends.last.flatMap({ UInt32($0) }) else { return 0 }
            total += Int(max(first, last) - min(first, last)) + 1
        }
        return total
    }
}
