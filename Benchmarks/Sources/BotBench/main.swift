print("BotBench: not written yet")
