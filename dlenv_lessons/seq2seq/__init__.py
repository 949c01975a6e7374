"""A GRU encoder-decoder with additive attention (Bahdanau et al., 2015) against the same one without it."""
