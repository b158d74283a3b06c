/// Why one message's FETCH data could not be decoded; it becomes a ``MessageProblem``, and the
/// listing goes on.
struct MessageDecodingError: Error, Equatable {
    /// What was wrong, for people.
    let reason: String

    init(_ reason: String) { self.reason = reason }
}
