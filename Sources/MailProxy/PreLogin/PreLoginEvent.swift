/// What a pre-login dialogue needs the proxy for.
enum PreLoginEvent: ~Copyable {
    /// LOGIN, AUTHENTICATE PLAIN or AUTH: the proxy admits or refuses it. IMAP gives the
    /// command's tag, SMTP nil.
    case login(tag: String?, LoginAttempt)
    /// STARTTLS was accepted (the go-ahead sent): start TLS, discard buffered input, continue.
    case startTLS
    /// LOGOUT or QUIT was answered: close.
    case leave
}
