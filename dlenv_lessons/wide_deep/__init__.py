"""Wide & Deep: memorise feature crosses with a linear model, generalise with embeddings, do both."""
