"""``python -m fixture_server [--root DIR] [--faults FILE] [--log FILE]``."""

from __future__ import annotations

from fixture_server.serve import main

main()
