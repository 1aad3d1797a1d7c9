"""Every module imports on its own, whichever is imported first (no import cycles)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

SCRIPT = """
import importlib, pkgutil, sys
import crawler
names = sorted(m.name for m in pkgutil.walk_packages(crawler.__path__, "crawler."))
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "crawler" or m.startswith("crawler.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print(len(names))
print("\\n".join(failed))
"""


@pytest.mark.services  # imports every module in a fresh interpreter
def test_each_module_imports_first_without_a_cycle() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    count, *failures = result.stdout.strip().splitlines()
    assert int(count) > 50
    assert failures == []
