/// The answer to a summary FETCH: the messages that decoded and those that did not.
public struct FetchResult: Sendable, Equatable {
    /// The messages that decoded, in the order asked for (by UID when fetched by UID).
    public var summaries: [MessageSummary]
    /// The messages the server sent something odd for; each was skipped, not the listing.
    public var problems: [MessageProblem]

    /// Creates a result.
    public init(summaries: [MessageSummary], problems: [MessageProblem]) {
        self.summaries = summaries
        self.problems = problems
    }
}
