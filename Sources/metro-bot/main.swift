print("metro-bot")
