internal import Foundation
internal import AppVault
internal import TOMLKit

/// Reading an ``AgentPolicy`` from a TOML file.
///
/// ```toml
/// trust_own_uid = true
///
/// [[rule]]
/// uid = 1001
/// exe = "/usr/local/bin/appvault"
/// accounts = ["statements"]
/// protocols = ["imap"]
/// admin = false
/// ```
/// Unknown keys are errors, so a misspelt key cannot silently widen or narrow access.
extension AgentPolicy {
    /// Loads the policy file at `path`.
    public static func load(path: String) throws(AgentError) -> AgentPolicy {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .policy(path: path, problem: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(text, path: path)
    }

    /// Parses policy TOML; `path` only names the source in errors.
    public static func parse(_ text: String, path: String = "policy") throws(AgentError) -> AgentPolicy {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw .policy(path: path, problem: "is not valid TOML: \(error)")
        }
        var policy = AgentPolicy()
        for key in table.keys {
            switch key {
            case "trust_own_uid":
                guard let value = table[key]?.bool else { throw .policy(path: path, problem: "trust_own_uid must be true or false") }
                policy.trustOwnUID = value
            case "rule":
                guard let rules = table[key]?.array else { throw .policy(path: path, problem: "rule must be an array of tables ([[rule]])") }
                for (index, entry) in rules.enumerated() {
                    guard let ruleTable = entry.table else { throw .policy(path: path, problem: "rule \(index + 1) must be a table") }
                    policy.rules.append(try rule(ruleTable, number: index + 1, path: path))
                }
            default:
                throw .policy(path: path, problem: "unknown key '\(key)' (known: trust_own_uid, rule)")
            }
        }
        return policy
    }

    private static func rule(_ table: TOMLTable, number: Int, path: String) throws(AgentError) -> Rule {
        func problem(_ text: String) -> AgentError { .policy(path: path, problem: "rule \(number): \(text)") }
        for key in table.keys where !["uid", "exe", "accounts", "protocols", "admin"].contains(key) {
            throw problem("unknown key '\(key)' (known: uid, exe, accounts, protocols, admin)")
        }
        guard let uidValue = table["uid"]?.int, let uid = UInt32(exactly: uidValue) else {
            throw problem("uid must be a number 0...\(UInt32.max)")
        }
        var executable: String?
        if let value = table["exe"] {
            guard let text = value.string, text.hasPrefix("/") else { throw problem("exe must be an absolute path") }
            executable = text
        }
        guard let accountValues = table["accounts"]?.array else {
            throw problem("accounts must be a list of account names or \"*\"")
        }
        var accounts: [String] = []
        for value in accountValues {
            guard let name = value.string, !name.isEmpty else { throw problem("accounts must hold non-empty strings") }
            accounts.append(name)
        }
        var protocols = Set(MailProtocol.allCases)
        if let value = table["protocols"] {
            guard let list = value.array else { throw problem("protocols must be a list such as [\"imap\", \"smtp\"]") }
            protocols = []
            for entry in list {
                guard let name = entry.string, let proto = MailProtocol(rawValue: name.lowercased()) else {
                    throw problem("protocols may only hold \"imap\" and \"smtp\"")
                }
                protocols.insert(proto)
            }
        }
        var admin = false
        if let value = table["admin"] {
            guard let flag = value.bool else { throw problem("admin must be true or false") }
            admin = flag
        }
        return Rule(uid: uid, executable: executable, accounts: accounts, protocols: protocols, admin: admin)
    }
}
