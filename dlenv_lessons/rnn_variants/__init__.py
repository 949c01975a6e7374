"""Vanilla RNN, LSTM and GRU side by side, one or two layers, one or two directions: what each costs, and how
far back its gradient reaches."""
