"""The report item: one annual report page on its way through the pipeline.

Each pipeline stage fills its own fields (see docs/data.md, "Data
flow").  Declaring them here keeps the contract between stages in one place:
a stage that sets an undeclared field fails loudly instead of silently
inventing a column.
"""

from __future__ import annotations

import scrapy

# A report's own columns, in the order every export shows them (feed exports,
# reports.csv, `scrapy extract`); each adds what it needs (text, errors, ...).
# Objects that only live in memory (parsed trees, raw bytes) are never exported.
REPORT_FIELDS = [
    "report_id",
    "index_no",
    "title",
    "report_year",
    "publisher",
    "publisher_source",
    "publish_date",
    "doc_no",
    "format",
    "portal_id",
    "province",
    "level",
    "url",
    "source_encoding",
    "encoding_reason",
    "script",
    "fetched_at",
]


class ReportItem(scrapy.Item):
    """One report page, filled stage by stage."""

    # fetch (spider)
    url = scrapy.Field()  # URL the report was fetched from (after redirects)
    link_url = scrapy.Field()  # URL as linked from the listing (before redirects)
    portal_id = scrapy.Field()
    province = scrapy.Field()
    level = scrapy.Field()
    listing_url = scrapy.Field()  # listing page the link was found on
    link_title = scrapy.Field()  # link text on the listing
    link_date = scrapy.Field()  # date printed next to the link, if any
    status = scrapy.Field()
    content_type = scrapy.Field()  # raw Content-Type header, None when absent
    body = scrapy.Field()  # raw bytes exactly as served
    images = scrapy.Field()  # {url: bytes} of the body's table images (crawler/spiders/table_images.py); never stored
    fetched_at = scrapy.Field()  # ISO 8601 UTC
    # decode
    html = scrapy.Field()  # decoded (and repaired) page as str, for the stages; a parse worker keeps it
    tree = scrapy.Field()  # parsel.Selector over `html`; never stored
    source_encoding = scrapy.Field()
    encoding_reason = scrapy.Field()
    repairs = scrapy.Field()  # list of {"kind", "where", ...} repairs made
    # normalise
    text = scrapy.Field()  # clean Simplified main text, paragraphs split by "\n"
    script = scrapy.Field()  # "simplified" | "traditional" (of the source)
    main = scrapy.Field()  # parsel.Selector of the main content; never stored
    meta_text = scrapy.Field()  # normalised text of the metadata block
    # metadata
    title = scrapy.Field()
    index_no = scrapy.Field()
    index_key = scrapy.Field()
    publisher = scrapy.Field()
    publisher_source = scrapy.Field()  # field | meta | signature | title: where the publisher was read
    publish_date = scrapy.Field()
    report_year = scrapy.Field()
    doc_no = scrapy.Field()
    format = scrapy.Field()
    # sections / tables / checks
    sections = scrapy.Field()  # [{"seq", "code", "heading", "text"}]
    tables = scrapy.Field()  # {table_code: {row_code: {col_code: value}}}
    cells = scrapy.Field()  # [{"table_code", "row_code", "row_label", "col_code", "col_label", "raw", "value"}]
    checks = scrapy.Field()  # [{"check_code", "scope", "expected", "actual", "status"}]
    # dedup / store
    report_id = scrapy.Field()
    dedup_key = scrapy.Field()
    content_key = scrapy.Field()  # fingerprint of the table cells (parsing.identity.content_key)
    errors = scrapy.Field()  # [{"stage", "error"}]: what went wrong, item kept


def add_error(item: ReportItem, stage: str, error: str) -> None:
    """Record a stage failure on the item; the item itself is always kept."""
    item.setdefault("errors", []).append({"stage": stage, "error": error})
