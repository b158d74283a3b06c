print("appvault")
