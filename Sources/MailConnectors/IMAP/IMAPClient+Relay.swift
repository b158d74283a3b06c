extension IMAPClient {
    /// Ends this client's use of its logged-in connection and returns it for relaying bytes to
    /// and from a local client (the agent's mail proxy). The client must not be used afterwards;
    /// closing the connection becomes the caller's job, and so does metering: the bytes moved so
    /// far (``bytesRead``, ``bytesWritten``) are not reported to the traffic budget.
    package func handOverConnection() -> any RelayStream {
        finished = true
        connection.prepareForRelay()
        return connection
    }
}
