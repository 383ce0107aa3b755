"""Entry points: each reduces the user's style (a loss and its gradient, a vjp, a jvp, an hvp, a layer, a Function)
to a check the pipeline runs, and its parts back to one report."""
