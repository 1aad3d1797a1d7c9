#!/usr/bin/env bash
# Set up, then crawl the bundled fixture portals (served on 127.0.0.1) into
# data/reports.db and print a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/scrapy demo "$@"
