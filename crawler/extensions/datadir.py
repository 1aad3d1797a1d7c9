"""``REPORTS_DATA_DIR``: a crawl may write only under one directory.

scrapyd hands every setting of a ``schedule.json`` call to ``scrapy crawl``
as ``-s NAME=VALUE``, so any caller could point ``REPORTS_DB``, ``LOG_FILE``,
``JOBDIR``, a feed or the HTTP cache at any path the scrapyd user may write.
With ``REPORTS_DATA_DIR`` set, each such path must resolve (symlinks and
``..`` followed) inside it, and a crawl that names another path is refused
before it writes anything.  The directory comes from the environment
(``REPORTS_DATA_DIR``, set for the scrapyd service, which a job cannot
change) and from the setting; when both are set a path must be inside
both, so a ``-s REPORTS_DATA_DIR=/`` of a caller cannot widen it.  Checked
by the ``crawl`` command before Scrapy opens its log file (an extension
would run too late for ``LOG_FILE``).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from crawler.arguments import ArgumentError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

ENV = "REPORTS_DATA_DIR"
PATH_SETTINGS = ("REPORTS_DB", "LOG_FILE", "JOBDIR")


def data_dirs(settings: BaseSettings) -> list[str]:
    """The directories a crawl must write under (empty: no confinement)."""
    dirs = [os.environ.get(ENV, ""), settings.get("REPORTS_DATA_DIR") or ""]
    return [os.path.realpath(d) for d in dict.fromkeys(dirs) if d]


def written_paths(settings: BaseSettings) -> list[tuple[str, str]]:
    """(setting, path or URI) of everything the crawl would write to."""
    paths = [(name, str(settings.get(name))) for name in PATH_SETTINGS if settings.get(name)]
    feeds = settings.get("FEEDS") or {}
    if isinstance(feeds, str):
        feeds = json.loads(feeds) if feeds.strip() else {}
    paths += [("FEEDS", str(uri)) for uri in dict(feeds)]
    if settings.getbool("HTTPCACHE_ENABLED"):
        paths.append(("HTTPCACHE_DIR", str(settings.get("HTTPCACHE_DIR"))))
    return paths


def local_path(value: str) -> str | None:
    """The file system path of a setting value, None for a URI of another scheme (s3://, ftp://, stdout:)."""
    if value.startswith("file://"):
        return value[len("file://") :]
    if "://" in value or value.startswith("stdout:"):
        return None
    return value


def check_data_dir(settings: BaseSettings) -> None:
    """Raise ArgumentError (one line) for the first written path outside the data directory."""
    dirs = data_dirs(settings)
    if not dirs:
        return
    for name, value in written_paths(settings):
        path = local_path(value)
        where = os.path.realpath(path) if path is not None else None
        for root in dirs:
            if where is None or os.path.commonpath([root, where]) != root:
                raise ArgumentError(
                    f"{name}={value} is outside REPORTS_DATA_DIR={root}: this crawl may write only under {root}"
                )
