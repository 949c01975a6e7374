"""Predict a number: disease progression from scikit-learn's diabetes data, house prices from California's."""
