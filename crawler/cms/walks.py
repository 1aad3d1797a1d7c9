"""What a crawl reached of each listing, against what its pages declared.

A listing is complete only when every column it leads to (the start URL's
own pager, and each year column of a year index) was walked to a page that
offered no further page, no page said the walk was cut short
(``ListingPage.stop_reason``), and no page declared more pages or records
than were reached.  The spider records every parsed listing page here and
asks :meth:`ListingWalks.shortfall` at the end of the crawl.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.cms.base import COLUMN_META

if TYPE_CHECKING:
    from scrapy import Request

    from crawler.cms.base import ListingPage


@dataclass
class ColumnWalk:
    """One column's pages as reached: counts reached and the most any page declared."""

    pages: int = 0
    records: int = 0
    records_known: bool = True  # every page said how many records it held
    declared_pages: int | None = None
    declared_records: int | None = None
    ended: bool = False
    stopped_known: bool = False  # stopped on purpose: every report on a page was stored already
    reasons: list[str] = field(default_factory=list)

    def add(self, page: ListingPage, url: str, followed: Iterable[Request], stopped_known: bool = False) -> None:
        if page.page_number is not None:  # None: a page that only leads to the list (a JSON API's shell)
            self.pages = max(self.pages, page.page_number)
            if page.record_count is None:
                self.records_known = False
            else:
                self.records += page.record_count
        for name in ("declared_pages", "declared_records"):
            value = getattr(page, name)
            if value is not None:
                current = getattr(self, name)
                setattr(self, name, value if current is None else max(current, value))
        if page.stop_reason:
            self.reasons.append(f"{url}: {page.stop_reason}")
        if stopped_known:
            self.stopped_known = self.ended = True
        elif not any(r.meta.get(COLUMN_META) == page.column for r in followed):
            self.ended = True

    def shortfall(self) -> str | None:
        """Why this column is not known to be complete, or None when it is."""
        if self.reasons:
            return "; ".join(self.reasons)
        if not self.ended:
            return "its last page was never reached"
        if self.stopped_known:  # an incremental crawl of a complete listing: the rest is known
            return None
        if self.declared_pages is not None and self.pages < self.declared_pages:
            return f"reached {self.pages} of the {self.declared_pages} pages its pager declares"
        if self.declared_records is not None and self.records_known and self.records < self.declared_records:
            return f"reached {self.records} of the {self.declared_records} records its pager declares"
        return None


class ListingWalks:
    """Every listing's column walks in one crawl, by start URL."""

    def __init__(self) -> None:
        self._walks: dict[str, dict[str | None, ColumnWalk]] = {}

    def record(
        self,
        start_url: str,
        page: ListingPage,
        url: str,
        followed: Iterable[Request] | None = None,
        stopped_known: bool = False,
    ) -> None:
        """Note one parsed listing page.

        `followed` are the next requests actually queued (default: all the
        page offered); `stopped_known` says the spider stopped paging on
        purpose because every report on the page was already stored.
        """
        walk = self._walks.setdefault(start_url, {}).setdefault(page.column, ColumnWalk())
        walk.add(page, url, page.next_requests if followed is None else list(followed), stopped_known)

    def walked(self, start_url: str) -> bool:
        return start_url in self._walks

    def columns(self, start_url: str) -> dict[str | None, ColumnWalk]:
        """The column walks recorded for `start_url` (empty when no page of it was parsed)."""
        return dict(self._walks.get(start_url, {}))

    def shortfall(self, start_url: str) -> str | None:
        """Why the listing at `start_url` is incomplete, or None when every column was reached in full."""
        columns = self._walks.get(start_url)
        if not columns:
            return "no listing page was parsed"
        problems = [
            f"{column or 'listing'}: {problem}"
            for column, walk in columns.items()
            if (problem := walk.shortfall()) is not None
        ]
        return "; ".join(problems) or None
