print("FakeTelegramBench: not written yet")
