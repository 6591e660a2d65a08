import Testing

@Test("package builds") func packageBuilds() { #expect(Bool(true)) }
