"""Where the system Chromium is and how it is launched (no Playwright import).

Playwright cannot download its own browser here, so scrapy-playwright is
pointed at Debian's ``chromium``.  Settings and the live-browser test read
the same options from here.
"""

from __future__ import annotations

import shutil
from typing import Any

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_path() -> str:
    return shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


def launch_options() -> dict[str, Any]:
    return {"executable_path": chromium_path(), "headless": True, "args": list(CHROMIUM_ARGS)}
