"""Tensors, broadcasting and autograd; a Dataset over CSV and image files, DataLoader workers and collate."""
