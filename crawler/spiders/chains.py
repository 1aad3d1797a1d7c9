"""What a report's follow-up requests (attachment, flipbook pages, table images) carry along.

One place for the listing context a report keeps through its chain of requests, and
for the URL it was linked from, so every chain stores the same fields.
"""

from __future__ import annotations

from typing import Any, Protocol

from w3lib.url import canonicalize_url

# The listing context a report item is built from, carried by every chained request.
REPORT_META = ("portal_id", "listing_url", "link_title", "link_date")


class _HasMeta(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def meta(self) -> dict[str, Any]: ...


def report_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The listing context of a request's or response's meta."""
    return {key: meta.get(key) for key in REPORT_META}


def linked_url(message: _HasMeta) -> str:
    """The URL the listing linked (before any redirect), canonical."""
    return canonicalize_url(message.meta.get("redirect_urls", [message.url])[0])
