"""Benchmarks of the vote pipeline on a fresh loopback stack (`make bench`); results in bench/results.json."""
