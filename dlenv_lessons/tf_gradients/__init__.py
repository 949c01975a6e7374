"""Vanishing and exploding gradients in Keras: sigmoid, ReLU with He initialisation, batch normalization, clipping."""

FRAMEWORK = "tensorflow"  # read by the runner before it imports the lesson: rows without TensorFlow say so
