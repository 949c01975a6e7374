"""A Keras deep neural network for handwritten digits, with early stopping and TensorBoard."""

FRAMEWORK = "tensorflow"  # read by the runner before it imports the lesson: rows without TensorFlow say so
