"""gunicorn settings for the HTTP workers (plain WSGI: 5-10x cheaper per request than
Django under an ASGI server on this kind of machine — see PERFORMANCE.md)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Keep-alive from nginx's upstream pool; the sync worker handles one request at a time.
keepalive = 5
timeout = 30
graceful_timeout = 20
# Import Django once in the master and fork ready workers: a restarted worker answers at
# once instead of spending ~1 s of CPU on imports while requests queue for it.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() != "false"
# Recycle a worker now and then (guards against slow leaks). With the benchmark's reference
# view at ~2,000 req/s, 5,000 restarted each worker every ~10 s, each restart stalling the
# requests queued for it by seconds (reference p95 2.2-2.5 s in 2 of 3 passes).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
accesslog = None
errorlog = "-"
loglevel = "warning"
forwarded_allow_ips = "127.0.0.1"
