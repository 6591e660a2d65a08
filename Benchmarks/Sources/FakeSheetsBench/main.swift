print("FakeSheetsBench: not written yet")
