"""JSON for the shared request queue: nothing a worker takes from Redis is unpickled.

scrapy-redis pickles requests by default, so anyone who can write to the
Redis server runs code on every worker.  This module is the queue's
``SCHEDULER_SERIALIZER`` (set by :mod:`~crawler.distributed.addon`): the
``dumps``/``loads`` pair scrapy-redis calls around Scrapy's own
``Request.to_dict`` / ``request_from_dict``.  Written here because
scrapy-redis ships only pickle and Scrapy's request dicts hold bytes.

Only plain data is queued: ``None``, booleans, numbers, strings, lists and
dicts, and bytes (a request's body and headers, a cover page's ``body``)
as base64 under a marker, ``{"$bytes": "…"}``; a tuple is ``{"$tuple": […]}``
and a dict whose keys are not all plain strings is ``{"$items": [[k, v], …]}``.
Anything else in a request is a bug in whoever put it there, and
:func:`dumps` says where (``meta['x'][0] is a Foo``).  The meta keys the
browser download handler sets again for every rendered download
(:data:`DERIVED_META`, functions and ``PageMethod`` objects) are left out.

:func:`loads` refuses (:class:`RefusedPayload`) what is not such a JSON
request: a pickle, other bytes, a request class other than Scrapy's own, a
callback the spider does not use for crawled pages.  The scheduler
(:mod:`~crawler.distributed.scheduler`) logs and counts a refused payload
and goes on; nothing of it is executed.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

MARKERS = ("$bytes", "$tuple", "$items")
# Set again by crawler/browser/handler.py for every rendered download (functions and
# PageMethod objects, which are no data): a retried rendered request need not carry them.
DERIVED_META = frozenset({"playwright_page_init_callback", "playwright_page_methods", "playwright_page"})
# Request classes a queued request may name (``_class``); plain Request names none.
REQUEST_CLASSES = frozenset(
    {
        "scrapy.http.request.Request",
        "scrapy.http.request.form.FormRequest",
        "scrapy.http.request.json_request.JsonRequest",
    }
)
# The spider methods its requests call back (crawler/spiders/province_reports.py).
CALLBACKS = frozenset({"parse", "parse_report", "listing_failed", "report_failed"})
PICKLE_PROTOCOL_BYTE = 0x80  # how every pickle of protocol 2 and later begins


class RefusedPayload(ValueError):
    """What was taken from the queue is not a JSON request of ours: dropped, never executed."""


def _plain(value: Any, where: str) -> Any:
    """`value` as JSON-ready data (markers for bytes, tuples, odd dict keys); TypeError names `where`."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where} is {value!r}: only finite numbers can be queued")
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"$tuple": [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and k not in MARKERS for k in value):
            return {k: _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
        return {"$items": [[_plain(k, f"{where} key"), _plain(v, f"{where}[{k!r}]")] for k, v in value.items()]}
    raise TypeError(
        f"{where} is a {type(value).__module__}.{type(value).__qualname__}: only plain data "
        "(None, bools, numbers, strings, bytes, lists, tuples, dicts) can be queued in Redis"
    )


def _restore(value: Any) -> Any:
    if isinstance(value, list):
        return [_restore(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, inner), *_ = value.items()
        if key == "$bytes":
            if not isinstance(inner, str):
                raise RefusedPayload("a $bytes marker without base64 text")
            try:
                return base64.b64decode(inner.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError) as exc:
                raise RefusedPayload(f"a $bytes marker with bad base64: {exc}") from exc
        if key == "$tuple":
            if not isinstance(inner, list):
                raise RefusedPayload("a $tuple marker without a list")
            return tuple(_restore(v) for v in inner)
        if key == "$items":
            if not isinstance(inner, list) or not all(isinstance(p, list) and len(p) == 2 for p in inner):
                raise RefusedPayload("an $items marker without [key, value] pairs")
            try:
                return {_restore(k): _restore(v) for k, v in inner}
            except TypeError as exc:  # an unhashable key
                raise RefusedPayload(f"an $items marker with a bad key: {exc}") from exc
    return {k: _restore(v) for k, v in value.items()}


def dumps(request: dict[str, Any]) -> str:
    """A request dict (``Request.to_dict``) as JSON text; TypeError when it holds more than plain data."""
    meta = {k: v for k, v in (request.get("meta") or {}).items() if k not in DERIVED_META}
    data = _plain({**request, "meta": meta}, "request")
    return json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def loads(payload: bytes | str) -> dict[str, Any]:
    """The request dict in `payload`; :class:`RefusedPayload` for anything else (a pickle above all)."""
    if isinstance(payload, bytes | bytearray):
        if payload[:1] and payload[0] == PICKLE_PROTOCOL_BYTE:
            raise RefusedPayload(f"a pickle ({len(payload)} bytes), not JSON: not unpickled")
        try:
            text = bytes(payload).decode("ascii")
        except UnicodeDecodeError as exc:
            raise RefusedPayload(f"binary data ({len(payload)} bytes), not JSON text") from exc
    else:
        text = payload
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RefusedPayload(f"not JSON ({len(text)} characters): {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise RefusedPayload("JSON that is not a request (no url)")
    request = _restore(data)
    cls = request.get("_class")
    if cls is not None and cls not in REQUEST_CLASSES:
        raise RefusedPayload(f"request class {cls!r} is not one of Scrapy's request classes")
    for name in ("callback", "errback"):
        value = request.get(name)
        if value is not None and value not in CALLBACKS:
            raise RefusedPayload(f"{name} {value!r} is not one the spider uses ({', '.join(sorted(CALLBACKS))})")
    if not isinstance(request.get("meta", {}), dict):
        raise RefusedPayload("request meta is not a mapping")
    return request
