"""Gunicorn settings for Seedbed; gunicorn reads this file from the working directory.

    .venv/bin/gunicorn wsgi:app

Every setting can still be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os

bind = os.environ.get("SEEDBED_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# The reverse proxy on this host sets X-Forwarded-*; trust it and nobody else.
forwarded_allow_ips = os.environ.get("SEEDBED_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Deploying an automatic assignment of a large call writes thousands of rows in one request.
timeout = int(os.environ.get("SEEDBED_WORKER_TIMEOUT", "120"))


def post_worker_init(worker):
    """Import scikit-learn before the first request: the automatic assignment's TF-IDF needs
    it, and importing it takes seconds that would otherwise land on one administrator's click."""
    import sklearn.feature_extraction.text  # noqa: F401, PLC0415
