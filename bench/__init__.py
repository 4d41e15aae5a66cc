"""Benchmarks of tla (`make bench`): figures are printed, never asserted."""
