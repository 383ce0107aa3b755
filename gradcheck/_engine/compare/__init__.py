"""Comparisons of yours against a reference, entry by entry or along probes, under the tolerance in force (dtype ->
rtol, atol)."""
