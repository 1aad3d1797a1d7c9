"""The crawl's arguments, checked before anything starts, each mistake in one line.

``scrapy crawl province_reports`` takes ``province``, ``portals``, ``years``,
``refresh`` and ``discover`` (docs/data.md) and the ``REPORTS_DB`` setting.  A typo in
any of them should cost the user one line naming the fix, not a traceback
from inside the engine: :func:`check_crawl_arguments` raises
:class:`ArgumentError` with that line, and the ``crawl`` command prints it
and exits with status 2.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.registry import PROVINCES, Portal, RegistryError, load_registry
from crawler.registry.provinces import province_slug

YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")
FIRST_YEAR, LAST_YEAR = 2007, 2100  # the 条例 took effect in 2008: its first reports cover 2008
SPIDER_ARGUMENTS = ("province", "portals", "years", "refresh", "discover")


class ArgumentError(ValueError):
    """A crawl argument or setting is wrong; the message is one line naming the fix."""


def one_line(text: object) -> str:
    """Messages from YAML or SQLite span lines; the user gets one."""
    return " ".join(str(text).split())


def parse_years(value: str | None) -> tuple[int, int] | None:
    """``"2021-2024"`` → (2021, 2024); ``"2023"`` → (2023, 2023); a range backwards is refused.

    >>> parse_years("2021-2024")
    (2021, 2024)
    >>> parse_years("2024-2021")
    Traceback (most recent call last):
    ...
    crawler.arguments.ArgumentError: years=2024-2021 runs backwards: write years=2021-2024
    """
    if value is None or str(value).strip() == "":
        return None
    match = YEARS.match(str(value))
    if not match:
        raise ArgumentError(f"years={value} is not a year or a range: write e.g. years=2023 or years=2021-2024")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first > last:
        raise ArgumentError(f"years={value} runs backwards: write years={last}-{first}")
    if first < FIRST_YEAR or last > LAST_YEAR:
        raise ArgumentError(f"years={value} is outside {FIRST_YEAR}-{LAST_YEAR}: reports exist from 2008 on")
    return first, last


def parse_refresh(value: str | int | None) -> bool:
    """``refresh=1`` (or true/yes) re-fetches known reports; 0/false/no or nothing does not."""
    text = str(value if value is not None else "0").strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("", "0", "false", "no"):
        return False
    raise ArgumentError(f"refresh={value} is not understood: write refresh=1 or leave it out")


def province_or_error(name: str) -> str:
    """The province slug, or one line with the closest known names."""
    try:
        return province_slug(name)
    except KeyError:
        close = difflib.get_close_matches(name.strip().lower(), list(PROVINCES), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}?" if close else "run `scrapy portals --stats` for the list"
        raise ArgumentError(f"province={name} is not a province: {hint}") from None


def check_database(path: str) -> None:
    """The store can be created or opened at ``path``, and is a SQLite database."""
    if not path:
        return
    target = Path(path)
    if target.is_dir():
        raise ArgumentError(f"REPORTS_DB={path} is a directory: give a file path, e.g. -s REPORTS_DB={path}/reports.db")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(f"file:{target}?mode=rwc", uri=True, timeout=5)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
            conn.execute("BEGIN IMMEDIATE")  # proves we may write (read-only files and dirs fail here)
            # ...unless its -wal/-shm are open elsewhere: then only a write fails (rolled back, nothing written)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.rollback()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        reason = one_line(exc)
        if "not a database" in reason or "malformed" in reason:
            raise ArgumentError(f"REPORTS_DB={path} is not a SQLite database: give another path") from None
        raise ArgumentError(f"REPORTS_DB={path} cannot be written ({reason}): give a writable path") from None
    except OSError as exc:
        raise ArgumentError(f"REPORTS_DB={path} cannot be created ({exc.strerror}): give a writable path") from None


def parse_discover(value: str) -> list[str]:
    """``discover=URL[,URL…]``: the http(s) home or 政府信息公开 pages to discover columns from.

    >>> parse_discover("https://www.a.gov.cn/, https://www.b.gov.cn/zwgk/")
    ['https://www.a.gov.cn/', 'https://www.b.gov.cn/zwgk/']
    """
    urls = [u.strip() for u in str(value).split(",") if u.strip()]
    if not urls:
        raise ArgumentError("discover= names no URL: write e.g. -a discover=https://www.example.gov.cn/")
    for url in urls:
        if not re.match(r"^https?://[^\s/]+", url):
            raise ArgumentError(
                f"discover={url} is not an http(s) URL: write e.g. -a discover=https://www.example.gov.cn/"
            )
    return urls


@dataclass(frozen=True)
class CrawlArguments:
    """What the spider runs on, every value checked."""

    portals: tuple[Portal, ...]
    years: tuple[int, int] | None
    refresh: bool
    source: str


def check_crawl_arguments(spargs: Mapping[str, Any], reports_db: str = "") -> CrawlArguments:
    """Every argument and the database path checked; the first mistake as an :class:`ArgumentError`."""
    unknown = sorted(k for k in spargs if k not in SPIDER_ARGUMENTS and not k.startswith("_"))  # scrapyd adds _job
    if unknown:
        raise ArgumentError(f"unknown argument -a {unknown[0]}=…: province_reports takes {', '.join(SPIDER_ARGUMENTS)}")
    province = spargs.get("province")
    slug = province_or_error(str(province)) if province else None
    years = parse_years(spargs.get("years"))
    refresh = parse_refresh(spargs.get("refresh"))
    if spargs.get("discover"):  # the columns come from discovery, not from a registry
        if spargs.get("portals"):
            raise ArgumentError("give either -a discover=URL or -a portals=FILE, not both")
        parse_discover(str(spargs["discover"]))
        check_database(reports_db)
        return CrawlArguments((), years, refresh, "discover")
    try:
        registry = load_registry(spargs.get("portals"))
    except RegistryError as exc:
        raise ArgumentError(f"registry: {one_line(exc)}") from None
    selected = registry.select(province=slug)
    if not selected:
        raise ArgumentError(f"no portal in {registry.source} for province={province}: add one (README, 添加一个门户)")
    check_database(reports_db)
    return CrawlArguments(tuple(selected), years, refresh, registry.source)
