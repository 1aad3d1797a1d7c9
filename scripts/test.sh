#!/usr/bin/env bash
# Set up, then check everything: lint, formatting, types, and the whole test
# suite (real Scrapy engine, fixture server, scrapyd, redis-server and headless
# Chromium, all on 127.0.0.1). Extra arguments go to pytest.
#
# The unit tier alone (no scrapyd, redis-server or Chromium; no apt needed):
#   bash scripts/setup.sh --venv-only && .venv/bin/python -m pytest -m "not services"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
