"""Dropout and batch normalization against overfitting, in Keras, on a small training set."""

FRAMEWORK = "tensorflow"  # read by the runner before it imports the lesson: rows without TensorFlow say so
