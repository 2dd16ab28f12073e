"""Per-request measurements for the benchmarks (``kamdesk bench``).

Off unless ``DEBUG_QUERY_HEADERS`` is on (environment ``KAMDESK_QUERY_HEADERS=1``): it then adds
``X-Query-Count`` (SQL statements run while answering) and ``Server-Timing: app;dur=<ms>`` to every response.
Placed first in MIDDLEWARE, so the numbers cover every other middleware too (session, auth, ...).
"""

import time
from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections


class _QueryCounter:
    """A database execute wrapper that only counts: no SQL text kept, next to no overhead."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class QueryCountMiddleware:
    def __init__(self, get_response):
        if not getattr(settings, "DEBUG_QUERY_HEADERS", False):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        counter = _QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["X-Query-Count"] = str(counter.count)
        response["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
        return response
