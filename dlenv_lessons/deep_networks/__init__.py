"""Twenty layers deep in PyTorch: sigmoid, ReLU with He initialisation, batch norm, SELU with alpha dropout, dropout."""
