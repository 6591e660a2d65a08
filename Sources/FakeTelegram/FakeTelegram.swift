// Placeholder until the FakeTelegram issue lands.
