"""Write your own loss, layer and autograd function, and check each against PyTorch's."""
