"""Benchmark data, outside the product apps: a county-scale data set (`manage.py
seed_scale`, `seed.py`) and the benchmark's signed-in sessions (`manage.py
bench_sessions`), for `make bench` (bench/run.py). No models, no pages: the product
apps never import it; it imports them.
"""
