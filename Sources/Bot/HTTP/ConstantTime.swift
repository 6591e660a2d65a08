/// Compares a presented secret with the expected one in time that depends only on their lengths,
/// never on where they first differ, so a caller cannot learn the secret byte by byte.
func constantTimeEquals(_ presented: some StringProtocol, _ expected: some StringProtocol) -> Bool {
    let lhs = Array(presented.utf8)
    let rhs = Array(expected.utf8)
    var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
    for index in 0..<max(lhs.count, rhs.count) {
        let left = index < lhs.count ? lhs[index] : 0
        let right = index < rhs.count ? rhs[index] : 0
        difference |= left ^ right
    }
    return difference == 0 && lhs.count == rhs.count
}
