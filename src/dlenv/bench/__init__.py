"""Benchmark results: what `nox -s "bench(row='cpu')"` and `nox -s gpu_tests` save, read back and reported.

The sessions run pytest-benchmark with its storage at `benchmarks/<row>/<device>/`, so every saved
file says which matrix row and which device it measured. `dlenv bench report` turns the newest run
of each benchmark into a Markdown table and PNG charts (results.py reads, report.py renders).
"""
