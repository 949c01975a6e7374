"""What the vision lessons (cnn, transfer) share: generated shape images written as an ImageFolder, and
torchvision's loaders and transforms turned into tensors a training step can sample from."""
