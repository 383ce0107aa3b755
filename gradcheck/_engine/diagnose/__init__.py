"""Diagnosis: the likely bug in words, from how a wrong gradient (or Hessian-vector product, jvp, layer) relates to
the reference."""
