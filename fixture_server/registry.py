"""A fixture registry with each ``{site:name}`` replaced by its base URL on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path


def render_registry(source: str | Path, sites: dict[str, str], dest: str | Path) -> Path:
    """Write the fixture registry with each ``{site:name}`` replaced by its URL."""
    text = Path(source).read_text("utf-8")

    def repl(match: re.Match[str]) -> str:
        if match.group(1) not in sites:
            raise KeyError(f"{source}: no fixture site {match.group(1)!r} (have {', '.join(sites)})")
        return sites[match.group(1)]

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(re.sub(r"\{site:([A-Za-z0-9_.-]+)\}", repl, text), "utf-8")
    return dest
