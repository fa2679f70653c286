"""Layers in the book's protocol (params/grads lists, forward/backward) and the optimizers that train them."""
