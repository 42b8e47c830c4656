"""Analyses: pure functions with a progress callback, no Qt (issue 3 onwards)."""
