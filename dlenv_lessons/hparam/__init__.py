"""Search the learning rate and batch size with Optuna: TPE sampling, median pruning, a shared study."""
