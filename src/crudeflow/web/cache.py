"""A bounded LRU cache of solved plans, keyed by (dataset hash, canonical request).

Answers are cached as the bytes sent to the client, so a hit costs neither a solve nor a
JSON encoding. The cache is bounded both in entries and in bytes; the least recently used
answer goes first. Identical requests that arrive while the first one is being solved wait
for that solve instead of starting their own (:meth:`PlanCache.get_or_solve`). Errors are
never cached. The server's front process keeps the cache (solver processes only solve).

Examples
--------
>>> import asyncio
>>> cache = PlanCache(max_entries=2, max_bytes=1000)
>>> async def solve() -> bytes:
...     return b"plan"
>>> asyncio.run(cache.get_or_solve(("d", "k"), solve))
b'plan'
>>> cache.hits, cache.misses, len(cache)
(0, 1, 1)
>>> asyncio.run(cache.get_or_solve(("d", "k"), solve)), cache.hits
(b'plan', 1)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crudeflow.network.model import Network

__all__ = ["PlanCache", "RawAnswerCache", "canonical_request", "dataset_hash"]


def dataset_hash(network: Network) -> str:
    """SHA-256 of everything the loaded network holds (its frozen dataclasses' ``repr``).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> dataset_hash(toy_network()) == dataset_hash(toy_network())
    True
    >>> len(dataset_hash(toy_network()))
    64
    """
    return hashlib.sha256(repr(network).encode("utf-8")).hexdigest()


def canonical_request(fields: Mapping[str, Any]) -> str:
    """A request as canonical JSON: keys sorted, no spaces (equal requests, equal strings).

    Examples
    --------
    >>> canonical_request({"b": [1, 2], "a": {"y": 1.0, "x": None}})
    '{"a":{"x":null,"y":1.0},"b":[1,2]}'
    """
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), allow_nan=False)


class PlanCache:
    """Least-recently-used answers, at most ``max_entries`` and ``max_bytes`` in all.

    Parameters
    ----------
    max_entries : int
        Answers kept; 0 turns the cache off (every request solves).
    max_bytes : int
        Total size of the kept answers; an answer larger than this is not kept.
    """

    def __init__(self, max_entries: int = 512, max_bytes: int = 64 * 1024 * 1024) -> None:
        if max_entries < 0 or max_bytes < 0:
            raise ValueError("cache bounds must not be negative")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size_bytes = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Future[bytes]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> bytes | None:
        """The cached answer (now the most recently used), or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: bytes) -> None:
        """Keep ``value``; drop the least recently used answers beyond the bounds."""
        if self.max_entries == 0 or len(value) > self.max_bytes:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.size_bytes -= len(old)
        self._items[key] = value
        self.size_bytes += len(value)
        while len(self._items) > self.max_entries or self.size_bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.size_bytes -= len(dropped)

    async def get_or_solve(self, key: Hashable, solve: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached answer for ``key``, else ``await solve()`` (once for concurrent callers).

        An exception from ``solve`` reaches every caller waiting for it and is not cached.
        With ``max_entries == 0`` every call solves on its own.
        """
        if self.max_entries == 0:
            self.misses += 1
            return await solve()
        while True:
            hit = self.get(key)
            if hit is not None:
                self.hits += 1
                return hit
            pending = self._pending.get(key)
            if pending is None:
                break
            try:
                value = await asyncio.shield(pending)
            except asyncio.CancelledError:
                if pending.cancelled():
                    continue  # the first caller went away: solve it here
                raise
            self.hits += 1
            return value
        self.misses += 1
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[key] = fut
        try:
            value = await solve()
        except BaseException as exc:
            if isinstance(exc, Exception):
                fut.set_exception(exc)
                fut.exception()  # retrieved: no "never retrieved" warning without waiters
            else:
                fut.cancel()
            raise
        else:
            fut.set_result(value)
            self.put(key, value)
            return value
        finally:
            self._pending.pop(key, None)


class RawAnswerCache:
    """ASGI middleware: a POST whose path, query and body bytes were answered 200 before gets
    the same answer again without parsing, validating or solving anything.

    A second, cheaper layer in front of the :class:`PlanCache` (which keys by the canonical
    request): a page or client repeating a request sends the same bytes. Only ``paths`` are
    cached, only 200 answers are kept, and the app's answer is a function of the request
    alone (the network is loaded once), so a hit is exactly what the app would send.

    Parameters
    ----------
    app : ASGI app
        The wrapped application (body already bounded by ``BodySizeLimit`` outside).
    paths : iterable of str
        Request paths whose answers are cached.
    cache : PlanCache
        Where the answers are kept (bounded in entries and bytes).
    """

    def __init__(self, app: ASGIApp, paths: Iterable[str], cache: PlanCache) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in self.paths
            or self.cache.max_entries == 0
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        ctype = b""
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                ctype = value
        key = ("raw", scope["path"], scope.get("query_string", b""), ctype, body)
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.hits += 1
            head_len = int.from_bytes(hit[:4], "big")
            headers = json.loads(hit[4 : 4 + head_len])
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
                }
            )
            await send({"type": "http.response.body", "body": hit[4 + head_len :]})
            return
        status = 0
        head: list[tuple[str, str]] = []
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, head
            if message["type"] == "http.response.start":
                status = int(message["status"])
                head = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False) and status == 200:
                    encoded = json.dumps(head).encode("latin-1")
                    self.cache.put(key, len(encoded).to_bytes(4, "big") + encoded + b"".join(parts))
            await send(message)

        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), capture)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A ``receive`` that returns ``messages`` first, then defers to ``then``."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
