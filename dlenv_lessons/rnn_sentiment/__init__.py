"""Sentiment with an LSTM over packed, padded sequences, where word order (negation) decides."""
