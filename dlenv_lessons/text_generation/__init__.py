"""A character-level LSTM language model, sampled with temperature and top-k."""
