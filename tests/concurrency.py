"""Requests sent at the same moment from several threads, for race tests (PostgreSQL: SQLite's in-memory test
database cannot be shared between threads)."""

import threading

from django.db import connections
from django.test import Client


def post_all_at_once(requests, headers=None):
    """POST every (user or None, url, data) from its own thread and client, released together; the status codes."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def worker(index, user, url, data):
        client = Client()
        if user is not None:
            client.force_login(user)
        barrier.wait()
        try:
            statuses[index] = client.post(url, data, headers=headers or {}).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses
