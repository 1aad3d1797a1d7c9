"""Wait for a rendered page to settle and read back what it really shows.

An anti-bot challenge (HTTP 412/202 with a script that sets a cookie and
reloads) leaves Playwright holding the *first* response.  After the page
settles, the status of the document actually shown is read back from the
Navigation Timing API, and the browser's cookies are collected, so the
handler can replace the status and plain requests can reuse the cookies.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError

if TYPE_CHECKING:
    from playwright.async_api import Page

# Status of the document the page shows now (Chromium ≥ 109), not of the first load.
NAVIGATION_STATUS = (
    "() => { const e = performance.getEntriesByType('navigation')[0];"
    " return e && e.responseStatus ? e.responseStatus : null; }"
)


async def settle(page: Page, challenge_statuses: list[int], timeout: float) -> dict[str, Any]:
    """Page method: wait until scripts are done and any challenge has reloaded.

    Returns the status of the document now shown and the context's cookies.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    status: int | None = None
    while True:
        try:
            await page.wait_for_load_state("networkidle", timeout=max(0.5, deadline - loop.time()) * 1000)
            status = await page.evaluate(NAVIGATION_STATUS)
        except PlaywrightError:  # navigating (a challenge reloading) or timed out
            status = None
        if (status is not None and status not in challenge_statuses) or loop.time() >= deadline:
            break
        await asyncio.sleep(0.1)
    cookies = await page.context.cookies(page.url)
    return {
        "status": status,
        "url": page.url,
        "cookies": [{"name": c["name"], "value": c["value"], "path": c.get("path", "/")} for c in cookies],
    }
