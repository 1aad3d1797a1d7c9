"""What the distributed parts share: Redis key names, messages, queue state.

Messages are JSON (:func:`encode` / :func:`decode`); requests in the queue are
JSON too (:mod:`crawler.distributed.serializer`): nothing is unpickled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis


@dataclass(frozen=True)
class Keys:
    """Redis keys of one spider's distributed crawl."""

    spider: str

    @property
    def requests(self) -> str:  # scrapy-redis defaults
        return f"{self.spider}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.spider}:dupefilter"

    @property
    def store(self) -> str:  # reports and page records waiting for the drain
        return f"{self.spider}:store"

    @property
    def processing(self) -> str:  # taken by the drain, not yet committed
        return f"{self.spider}:store:processing"

    @property
    def failed(self) -> str:  # messages the drain could not handle, kept for inspection
        return f"{self.spider}:store:failed"

    @property
    def known(self) -> str:
        return f"{self.spider}:known"

    @property
    def complete(self) -> str:
        return f"{self.spider}:complete"

    def busy(self, worker: str = "*") -> str:  # crawling now
        return f"{self.spider}:busy:{worker}"

    def alive(self, worker: str = "*") -> str:  # running, maybe waiting for others
        return f"{self.spider}:alive:{worker}"


def encode(message: dict[str, Any]) -> str:
    """JSON with non-ASCII escaped: a lone surrogate (an undecodable byte a stage
    kept) survives the trip through Redis and reaches the store unchanged."""
    return json.dumps(message, ensure_ascii=True, default=str)


def decode(raw: bytes | str) -> dict[str, Any]:
    """A message from the store list: a JSON object, nothing else (a pickle is refused, never loaded)."""
    if isinstance(raw, bytes) and raw[:1] == b"\x80":
        raise ValueError(f"a pickle ({len(raw)} bytes), not a JSON message: not unpickled")
    message = json.loads(raw)
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        raise ValueError("a JSON message must be an object with a kind")
    return message


def decoded(value: bytes | str) -> str:
    """A Redis reply as text (the client returns bytes; redis-py types replies as either)."""
    return value.decode() if isinstance(value, bytes) else value


def queue_length(server: redis.Redis, key: str) -> int:
    """Requests waiting in a scrapy-redis queue: a sorted set (priority) or a list."""
    kind = decoded(server.type(key))
    return server.zcard(key) if kind == "zset" else server.llen(key) if kind == "list" else 0


def busy_workers(server: redis.Redis, keys: Keys, pattern: str | None = None) -> list[str]:
    return [decoded(k) for k in server.scan_iter(match=pattern or keys.busy(), count=100)]
