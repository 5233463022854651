"""Answers to repeated reads, kept while the data they were built from stays the same.

A view marked with :func:`cached` has its ``200`` answers kept in memory, per app (each
server worker has its own), under a key of

* the data version's token (``service.domain.data_version``), read before the view runs
  by the token check's statement, to save a round trip (on PostgreSQL in autocommit, so a
  kept answer costs that one round trip and no ``BEGIN`` or ``ROLLBACK``): any committed
  write to the plan data, from any process, changes it, so a kept answer is never older than
  the data the request would have read, and a page built after the read sees at least the
  data of the token it is kept under;
* the caller's scope (role, ministry, institution): never the token's identity, so callers
  with the same scope share answers and callers with another never see them;
* the endpoint, path and query parameters (in a canonical order).

The token check, the query parameter check and every error still run on every request; only
a ``200`` is kept. ``X-Cache: hit`` or ``miss`` says which it was. The store is bounded by
``MRP_API_CACHE_BYTES`` (least recently used answers go first); ``0`` turns it off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

from service.api.query import method_function

F = TypeVar("F", bound=Callable[..., Any])

MARK = "_mrp_cached"
EXTENSION = "mrp.response_cache"
#: headers a kept answer does not keep (recomputed or per request)
_DROPPED = frozenset({"content-length", "x-cache", "set-cookie"})

Key = tuple[Any, ...]


def cached(view: F) -> F:
    """Mark a ``GET`` view whose answer depends only on the caller's scope, the request's
    path and query, and the ``WATCHED`` tables (nothing else: not the clock, not plugins)."""
    setattr(view, MARK, True)
    return view


Entry = tuple[bytes, list[tuple[str, str]]]


def _cost(entry: Entry) -> int:
    body, headers = entry
    return len(body) + sum(len(k) + len(v) for k, v in headers)


class _Store:
    """A byte-bounded LRU of kept answers, safe across threads."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Key, entry: Entry) -> None:
        cost = _cost(entry)
        if cost > self.capacity // 4:  # one answer never crowds out the rest
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= _cost(old)
            self._entries[key] = entry
            self.size += cost
            while self.size > self.capacity:
                self.size -= _cost(self._entries.popitem(last=False)[1])

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


def _marked(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    return view is not None and bool(getattr(method_function(view, "get"), MARK, False))


def _key(token: int) -> Key:
    actor = g.actor
    return (
        token,
        actor.role,
        actor.ministry_id,
        actor.institution_id,
        request.endpoint,
        request.path,
        tuple(sorted(request.args.items(multi=True))),
    )


class ResponseCache:
    """The extension: ``init_app`` after the token and query parameter checks."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    @staticmethod
    def store(app: Flask) -> _Store | None:
        return app.extensions.get(EXTENSION)

    def init_app(self, app: Flask) -> None:
        capacity = int(app.config.get("API_CACHE_BYTES", 0) or 0)
        if capacity <= 0:
            app.extensions[EXTENSION] = None
            return
        store = app.extensions[EXTENSION] = _Store(capacity)
        marked: dict[str, bool] = {}  # endpoint → whether its GET view is ``cached``

        @app.before_request
        def _answer_from_cache() -> Response | None:
            endpoint = request.endpoint
            if request.method != "GET" or endpoint is None or "actor" not in g:
                return None
            if endpoint not in marked:
                marked[endpoint] = _marked(endpoint)
            token = g.get("data_version")  # read by the token check (``service.api.auth``)
            if not marked[endpoint] or token is None:
                return None
            key = _key(token)
            entry = store.get(key)
            if entry is None:
                g.cache_key = key
                return None
            body, headers = entry
            response = app.response_class(body, status=200, headers=headers)
            response.headers["X-Cache"] = "hit"
            return response

        @app.after_request
        def _keep(response: Response) -> Response:
            key = g.pop("cache_key", None)
            if key is None:
                return response
            response.headers["X-Cache"] = "miss"
            if response.status_code == 200 and not response.is_streamed:
                headers = [(k, v) for k, v in response.headers if k.lower() not in _DROPPED]
                store.put(key, (response.get_data(), headers))
            return response
