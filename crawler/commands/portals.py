"""`scrapy portals`: list the registry's portal columns, filtered.

    scrapy portals [--province X] [--level L] [--cms C] [--registry PATH]

Prints an aligned table (id, province, level, cms, start_url) and a count.
The work is in `portal_rows` and `format_table`; the command parses options,
calls them and turns registry problems into a one-line error.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.registry import LEVELS, RegistryError, load_registry
from crawler.registry.provinces import province_slug
from crawler.registry.schema import CMS_NAMES

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Sequence

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

COLUMNS = ("id", "province", "level", "cms", "start_url")


def portal_rows(portals: Iterable[Portal]) -> list[tuple[str, ...]]:
    """One row per start URL: an entry with two columns lists both."""
    rows: list[tuple[str, ...]] = []
    for p in portals:
        for url in p.start_urls:
            rows.append((p.id, p.province, p.level or "-", p.cms, url))
    return rows


def format_table(portals: Sequence[Portal]) -> str:
    """The aligned table with a header and a final count of entries.

    The last column is not padded, so lines carry no trailing blanks.
    """
    rows = [COLUMNS, *portal_rows(portals)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]
    noun = "portal" if len(portals) == 1 else "portals"
    lines.append(f"{len(portals)} {noun}")
    return "\n".join(lines)


def select_portals(
    registry_path: str | None = None, province: str | None = None, level: str | None = None, cms: str | None = None
) -> list[Portal]:
    """The registry's entries matching every given filter.

    Raises ValueError for an unknown province, level or cms, and
    RegistryError for a registry that does not load.
    """
    if province is not None:
        try:
            province = province_slug(province)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
    if level is not None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of: {', '.join(LEVELS)}")
    if cms is not None and cms not in CMS_NAMES:
        raise ValueError(f"unknown cms {cms!r}; use one of: {', '.join(CMS_NAMES)}")
    registry = load_registry(registry_path)
    return registry.select(province=province, level=level, cms=cms)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--province X] [--level L] [--cms C] [--registry PATH]"

    def short_desc(self) -> str:
        return "List the portal columns in the registry"

    def long_desc(self) -> str:
        return (
            "List the registry's portal columns (id, province, level, cms, start URL), "
            "optionally filtered by province (slug or Chinese name), level or CMS family. "
            "--registry reads another YAML registry instead of the bundled one."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", metavar="X", help="province slug or name, e.g. zhejiang or 浙江")
        parser.add_argument("--level", metavar="L", help=f"one of: {', '.join(LEVELS)}")
        parser.add_argument("--cms", metavar="C", help=f"one of: {', '.join(CMS_NAMES)}")
        parser.add_argument(
            "--registry", metavar="PATH", help="a YAML registry file to read instead of the bundled one"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        try:
            portals = select_portals(opts.registry, opts.province, opts.level, opts.cms)
        except (ValueError, RegistryError) as exc:  # RegistryError is a ValueError; named for the reader
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        print(format_table(portals))
