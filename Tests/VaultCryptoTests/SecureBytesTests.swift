import Testing
@testable import VaultCrypto

@Suite("SecureBytes")
struct SecureBytesTests {
    @Test("copies, slices and compares in constant time")
    func copySliceCompare() throws {
        let source: [UInt8] = Array(0..<40)
        let bytes = try SecureBytes(copying: source)
        #expect(bytes.count == 40)
        let middle = try bytes.slice(8..<24)
        let middleBytes = middle.withUnsafeBytes { Array($0) }
        #expect(middleBytes == Array(source[8..<24]))
        let same = try SecureBytes(copying: source)
        let sameAsCopy = bytes.constantTimeEquals(same)
        #expect(sameAsCopy)
        let sameAsSlice = bytes.constantTimeEquals(middle)
        #expect(!sameAsSlice)
    }

    @Test("dropping a prefix keeps the tail readable and hides the prefix")
    func dropPrefix() throws {
        let source: [UInt8] = Array(0..<40)
        let tail = try SecureBytes(copying: source).droppingFirst(32)
        #expect(tail.count == 8)
        let tailBytes = tail.withUnsafeBytes { Array($0) }
        #expect(tailBytes == Array(source[32...]))
        let everything = try SecureBytes(copying: source).droppingFirst(0)
        let allBytes = everything.withUnsafeBytes { Array($0) }
        #expect(allBytes == source)
        let nothing = try SecureBytes(copying: source).droppingFirst(40)
        #expect(nothing.count == 0)
    }

    @Test("random values differ and have the requested size")
    func randomValues() throws {
        let a = try SecureBytes.random(count: 32)
        let b = try SecureBytes.random(count: 32)
        #expect(a.count == 32)
        let sameAsOther = a.constantTimeEquals(b)
        #expect(!sameAsOther)
    }

    @Test("empty secrets are allowed")
    func emptySecret() throws {
        let empty = try SecureBytes(zeroedCount: 0)
        #expect(empty.count == 0)
        let emptyCount = empty.withUnsafeBytes { $0.count }
        #expect(emptyCount == 0)
    }

    @Test("wipe zeroes an ordinary buffer")
    func wipeBuffer() {
        var buffer: [UInt8] = Array("hunter2hunter2".utf8)
        Memory.wipe(&buffer)
        #expect(buffer.allSatisfy { $0 == 0 })
    }
}
