"""Gunicorn settings for production: threaded workers, JSON lines on stdout."""

import gc
import os

wsgi_app = "campaign.wsgi"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threads overlap the time a request waits on PostgreSQL or Redis; processes
# use the cores. Per host: workers ~ cores, threads 4 to 8.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request still running after this is killed with its worker (and logged).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Behind a reverse proxy that keeps connections open.
keepalive = 5
backlog = 2048
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel
# spreads new connections between them. On one shared socket, a burst of
# connections (a crowd arriving at once, or a load test) could all be taken by
# one worker while the other stood idle: bench/public_pages.py saw rounds at
# 40% of the rate. A worker that exits resets connections still waiting in
# its own queue (a proxy in front retries them); GUNICORN_REUSE_PORT=false
# goes back to one shared socket.
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "true").lower() != "false"
# Recycle workers now and then so slow leaks never add up; each restart costs
# a second of imports, so not every few seconds on a busy vote day (0: never).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# One shared control socket per user would make two sites on a host collide.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# Builds no access line at all when accesslog is None (campaign/logs.py).
logger_class = "campaign.logs.GunicornLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "campaign.logs.JsonFormatter",
        },
        "access": {
            "()": "campaign.logs.AccessJsonFormatter",
        },
    },
    "handlers": {
        "error": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "WARNING", "handlers": ["error"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "propagate": False},
        "gunicorn.access": {
            "handlers": ["access"],
            # Access lines are INFO: none at all when GUNICORN_ACCESS_LOG is
            # empty (gunicorn logs access whenever a logging dict is given).
            "level": "INFO" if accesslog else "WARNING",
            "propagate": False,
        },
    },
}


# The collector's full passes walked every object Django and the libraries
# had loaded: about 60 ms each, every couple of hundred pages built, a tenth of
# a busy worker's time. Objects alive once the site is loaded are kept out of
# its passes, and young objects are collected in larger batches (a page makes
# a few thousand), so that short-lived cycles still go.
GC_THRESHOLD = int(os.environ.get("GUNICORN_GC_THRESHOLD", "10000"))


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 10, 10)
