"""Vocabularies, a word tokenizer by hand against a trained BPE one, and word embeddings with their neighbours."""
