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
max_requests = 5000
max_requests_jitter = 500
accesslog = None
errorlog = "-"
loglevel = "warning"
forwarded_allow_ips = "127.0.0.1"
