// The chaos CLI: parse the command line and dispatch to ChaosKit (see Commands/).
await ChaosCommand.runMapped()
