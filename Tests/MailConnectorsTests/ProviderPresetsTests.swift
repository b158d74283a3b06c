import AppVault
import Foundation
import Testing

@Suite("Provider presets as data")
struct ProviderPresetsTests {
    @Test("Vault/providers.json holds exactly ProviderPreset.builtIn")
    func jsonMatchesBuiltIn() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Vault/providers.json")
        let decoded = try JSONDecoder().decode([ProviderPreset].self, from: Data(contentsOf: url))
        #expect(decoded == ProviderPreset.builtIn)
    }
}
