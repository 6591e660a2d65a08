// Placeholder until the FakeSheets issue lands.
