"""Requests sent at the same moment from several threads, for race tests (PostgreSQL: SQLite's in-memory test
database cannot be shared between threads)."""

import threading

from django.db import connections
from django.test import Client


def post_all_at_once(requests, headers=None):
    """POST every (user or None, url, data) from its own thread and client, released together; the status codes."""
    return [response.status_code for response in send_all_at_once(requests, headers)]


def send_all_at_once(requests, headers=None):
    """As post_all_at_once, but the responses (to read what each sender was told)."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def worker(index, user, url, data):
        client = Client()
        if user is not None:
            client.force_login(user)
        barrier.wait()
        try:
            responses[index] = client.post(url, data, headers=headers or {})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses
