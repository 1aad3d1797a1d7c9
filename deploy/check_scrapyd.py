"""Refuse to start scrapyd without a real password (systemd ExecStartPre; run it where scrapyd runs).

    /srv/reports/.venv/bin/python /srv/reports/deploy/check_scrapyd.py

scrapyd turns authentication off when ``username`` or ``password`` is
empty, and accepts any password, including the placeholder an example
config once shipped.  This reads the configuration exactly as scrapyd will
(scrapyd's own ``Config``: /etc/scrapyd/scrapyd.conf, /etc/scrapyd/conf.d/*,
./scrapyd.conf, ~/.scrapyd.conf, then $SCRAPYD_USERNAME/$SCRAPYD_PASSWORD)
and exits 1 with one line when the password is missing, a known
placeholder, shorter than 16 characters, or kept in a file other users may
read.  Exit 0 and one line naming the file otherwise.
"""

from __future__ import annotations

import glob
import os
import stat
import sys
from configparser import ConfigParser, Error
from pathlib import Path

from scrapy.utils.conf import closest_scrapy_cfg
from scrapyd.config import Config  # type: ignore[import-untyped]

PLACEHOLDERS = {"change-me-please", "changeme", "change-me", "password", "secret", "scrapyd", "crawler"}
MIN_LENGTH = 16


def config_sources() -> list[Path]:
    """scrapyd's configuration files, in the order it reads them (later ones win)."""
    paths = [
        "/etc/scrapyd/scrapyd.conf",
        *sorted(glob.glob("/etc/scrapyd/conf.d/*")),
        "scrapyd.conf",
        os.path.expanduser("~/.scrapyd.conf"),
        closest_scrapy_cfg(),
    ]
    return [Path(p) for p in paths if p and Path(p).is_file()]


def defines_password(path: Path) -> bool:
    parser = ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (Error, OSError, UnicodeDecodeError):
        return False
    return parser.has_option("scrapyd", "password")


def problem() -> tuple[str | None, str]:
    """(what is wrong or None, where the password comes from)."""
    config = Config()
    username = os.environ.get("SCRAPYD_USERNAME") or config.get("username", "")
    password = os.environ.get("SCRAPYD_PASSWORD") or config.get("password", "")
    holders = [p for p in config_sources() if defines_password(p)]
    source = "$SCRAPYD_PASSWORD" if os.environ.get("SCRAPYD_PASSWORD") else (str(holders[-1]) if holders else "")
    if not username or not password:
        return (
            "scrapyd would run without authentication: set username in scrapyd.conf and password in "
            "/etc/scrapyd/conf.d/secret.conf (mode 0600), see deploy/new-secret.sh",
            source,
        )
    if password.strip().lower() in PLACEHOLDERS:
        return f"the scrapyd password in {source} is the placeholder {password!r}: run deploy/new-secret.sh", source
    if len(password) < MIN_LENGTH:
        return (
            f"the scrapyd password in {source} is shorter than {MIN_LENGTH} characters: run deploy/new-secret.sh",
            source,
        )
    for path in holders:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            return f"{path} holds the scrapyd password but is mode {mode:04o}: chmod 600 {path}", source
    return None, source


def main() -> int:
    why, source = problem()
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 1
    print(f"scrapyd authentication: ok (password from {source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
