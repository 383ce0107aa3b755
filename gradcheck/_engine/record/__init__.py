"""The record of the user's calls: validated inputs, calls on fresh copies, writes and health checks, the gradient's
structure against the params."""
