"""Classify handwritten digits with an MLP and a small CNN."""
