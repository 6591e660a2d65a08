// Placeholder until the ChaosKit issue lands.
