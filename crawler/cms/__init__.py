"""Listing adapters, one per CMS family; a portal names its family in `cms`."""

from __future__ import annotations

from crawler.cms.base import Link, ListingAdapter, ListingPage
from crawler.cms.hanweb import HanwebAdapter
from crawler.cms.jsonapi import JsonAdapter
from crawler.cms.static import BrowserAdapter, StaticAdapter
from crawler.cms.trs import TrsAdapter

ADAPTERS: dict[str, ListingAdapter] = {
    adapter.name: adapter
    for adapter in (StaticAdapter(), TrsAdapter(), HanwebAdapter(), BrowserAdapter(), JsonAdapter())
}


class UnknownAdapter(KeyError):
    """A registry entry names a CMS no adapter handles."""


def get_adapter(name: str) -> ListingAdapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        raise UnknownAdapter(f"no listing adapter {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None


__all__ = ["ADAPTERS", "Link", "ListingAdapter", "ListingPage", "UnknownAdapter", "get_adapter"]
