/// Section 5 until the connectors land on main: states what will be measured instead of inventing figures.
enum Pending {
    static func login() -> Table {
        var table = Table(
            title: "5. Login: lease + TLS + AUTHENTICATE + LOGOUT",
            baseline: "`curl imaps://` / `curl smtps://` doing the same login against the same local server",
            columns: ["path", "median", "p99", "median / baseline"])
        for path in ["curl imaps:// (baseline)", "appvault IMAP connector", "curl smtp AUTH (baseline)", "appvault SMTP connector"] {
            table.add([path, "-", "-", "pending"])
        }
        table.notes = ["Not measured yet: needs MailConnectors and scripts/testservers/start.sh from the connectors branch on main. Target: no slower than curl."]
        return table
    }
}
