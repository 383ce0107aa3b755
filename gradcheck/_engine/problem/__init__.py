"""The problem every oracle differentiates: the params as float64 leaves, the loss along a direction, its step scale."""
