"""Likelihood terms, one module per experiment family (and the toy problems)."""
