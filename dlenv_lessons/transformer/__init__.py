"""A Transformer built by hand (Vaswani et al., 2017) translating English number words into German."""
