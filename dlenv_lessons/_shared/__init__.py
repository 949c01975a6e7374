"""What several PyTorch lessons share, each in a module named for what it does."""
