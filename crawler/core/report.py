"""The report as the parsing core sees it: one plain dataclass, filled stage by stage.

No Scrapy here: the crawl's item pipelines, ``scrapy extract``, the Redis
drain and the benchmarks all build a :class:`Report` and run the same stages
on it (:mod:`crawler.core.stages`).  What goes wrong is written on the report
(``errors``), never raised, so a page that fails to parse is still stored
with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.text.extract import iter_lines
from crawler.text.normalise import normalise_fragment

Normaliser = Callable[[str], str]
# Compiled once, on the lxml element: a parsel Selector per text node cost 4 ms a report.
_TABLE_TEXT = etree.XPath(".//table//text()", smart_strings=False)


@dataclass(slots=True)
class Report:
    """One report page: what was fetched, and what each stage read from it."""

    # what was fetched (inputs)
    url: str
    body: bytes | None = None
    content_type: str | None = None  # raw Content-Type header, None when absent
    link_title: str | None = None  # link text on the listing
    link_date: str | None = None  # date printed next to the link
    portal_id: str | None = None  # the registry column it was found in (part of a bare 索引号's key)
    images: dict[str, bytes] | None = None  # table images in the page body, fetched by the spider: {url: bytes}
    # attachment / decode
    html: str | None = None  # decoded (and repaired) page
    tree: Selector | None = None  # parsed once, passed along; never stored
    source_encoding: str | None = None
    encoding_reason: str | None = None
    repairs: list[dict[str, Any]] | None = None
    # normalise
    text: str | None = None  # clean Simplified main text, paragraphs split by "\n"
    script: str | None = None  # "simplified" | "traditional" (of the source)
    main: Selector | None = None  # the main content within ``tree``; never stored
    meta_text: str | None = None  # normalised text of the metadata block
    # metadata
    title: str | None = None
    index_no: str | None = None
    index_key: str | None = None
    publisher: str | None = None
    publisher_source: str | None = None  # where `publisher` was printed: field, meta, signature, title
    publish_date: str | None = None
    report_year: int | None = None
    doc_no: str | None = None
    format: str | None = None
    # sections / tables / checks
    sections: list[dict[str, Any]] | None = None
    tables: dict[str, dict[str, dict[str, Any]]] | None = None
    cells: list[dict[str, Any]] | None = None
    checks: list[dict[str, Any]] | None = None
    # identity
    dedup_key: str | None = None
    content_key: str | None = None  # fingerprint of the cells: the same report printed twice
    report_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    # what the stages counted (``<stage>/<event>``), for the crawl's stats
    counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any]) -> Report:
        """The report held by an item (a ReportItem or any mapping with its field names).

        ``errors`` is the item's own list, so a stage's error lands on the item too.
        """
        report = cls(url=str(item.get("url") or ""))
        for name in FIELD_NAMES:
            value = item.get(name)
            if value is not None:
                setattr(report, name, value)
        if isinstance(item.get("errors"), list):
            report.errors = item["errors"]
        return report

    def filled(self) -> Iterator[tuple[str, Any]]:
        """(field, value) for every field a stage has set, in declaration order."""
        for name in FIELD_NAMES:
            value = getattr(self, name)
            if value is not None:
                yield name, value

    def fail(self, stage: str, error: str) -> None:
        """Record what a stage could not do; the report itself is always kept."""
        self.errors.append({"stage": stage, "error": error})

    def failed(self, *stages: str) -> bool:
        """True when one of ``stages`` recorded an error on this report."""
        return any(e.get("stage") in stages for e in self.errors)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    # --- what the parsing stages read, when earlier stages left gaps

    def selector(self) -> Selector | None:
        """``main`` when the normalise stage found it, else the whole page."""
        return self.main if self.main is not None else self.tree

    def plain_text(self) -> str:
        """The clean text; without one, the rendered lines of ``main`` (or the page)."""
        if self.text:
            return self.text
        sel = self.selector()
        return "\n".join(iter_lines(sel.root)) if sel is not None else ""

    def table_text(self) -> str:
        """All text inside the tables of ``main``: format markers live there."""
        sel = self.selector()
        return " ".join(_TABLE_TEXT(sel.root)) if sel is not None else ""

    def normaliser(self) -> Normaliser:
        """The text stage's string normaliser (pinyin out, Simplified, widths).

        Strings the parsers take straight from the tree (cells, the ``<h1>``,
        a metadata line) go through it so they read like ``text``.
        """
        return partial(normalise_fragment, traditional=self.script == "traditional")


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Report) if f.name not in ("errors", "counts"))
