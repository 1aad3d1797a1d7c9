#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian (Python 3.11):
# system packages (Chromium for JS-rendered portals, redis-server for
# distributed crawls and their tests), then a virtualenv with exactly the
# packages in requirements.lock.txt, each checked against its hash.
# Safe to run again: it skips what is already in place.
#
#   bash scripts/setup.sh             everything (what scripts/test.sh runs)
#   bash scripts/setup.sh --venv-only the virtualenv alone, no apt: enough for
#                                     the unit tier, pytest -m "not services"
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"

need_apt=()
if [ "${1:-}" != "--venv-only" ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v redis-server >/dev/null || need_apt+=(redis-server)
  # Attachment converters (crawler/attachments/formats, crawler/ocr): LibreOffice
  # for .doc/.wps/.et, tesseract with its Simplified Chinese model for scanned
  # PDFs and table images, poppler's pdftoppm to rasterise them, a CJK font and
  # img2pdf for the format fixtures.
  command -v soffice >/dev/null || need_apt+=(libreoffice-writer-nogui libreoffice-calc-nogui)
  [ -e /usr/lib/libreoffice/program/libsclo.so ] || need_apt+=(libreoffice-calc-nogui)
  command -v tesseract >/dev/null || need_apt+=(tesseract-ocr)
  [ -e /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] || need_apt+=(tesseract-ocr-chi-sim)
  command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
  command -v img2pdf >/dev/null || need_apt+=(img2pdf)
  [ -d /usr/share/fonts/opentype/noto ] || need_apt+=(fonts-noto-cjk)
fi
"$PY" -c "import venv, ensurepip" 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha1
want=$(cat pyproject.toml requirements.lock.txt | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages (locked, hash-checked)"
  # The lock pins pip and setuptools too; the project itself is installed
  # from this tree (no hash), with the locked setuptools as its build backend.
  .venv/bin/python -m pip install -q --require-hashes -r requirements.lock.txt
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
fi
