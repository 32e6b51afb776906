"""Side-by-side benchmark suite for the data path (run with ``python -m benchmarks``).

See ``benchmarks/README.md``.
"""
