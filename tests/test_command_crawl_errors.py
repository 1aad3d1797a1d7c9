"""Every mistake a user can make on the crawl's command line or registry: one line, exit status 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SCRAPY

GOOD_ENTRY = """portals:
  - id: fx-one
    name: 某县人民政府 政府信息公开年报
    province: zhejiang
    level: county
    cms: static
    start_urls: ["http://127.0.0.1:9/nb/index.html"]
"""

pytestmark = pytest.mark.services  # each test runs `scrapy crawl` in a subprocess


def crawl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRAPY, "crawl", "province_reports", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def registry(tmp_path: Path, text: str) -> str:
    path = tmp_path / "portals.yaml"
    path.write_text(text, "utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: ["-a", "province=zhejaing"], "province=zhejaing is not a province: did you mean zhejiang"),
        (lambda tmp: ["-a", "years=2024-2021"], "years=2024-2021 runs backwards: write years=2021-2024"),
        (lambda tmp: ["-a", "years=21-24"], "years=21-24 is not a year or a range"),
        (lambda tmp: ["-a", "refresh=maybe"], "refresh=maybe is not understood"),
        (lambda tmp: ["-a", "provinces=zhejiang"], "unknown argument -a provinces=…"),
        (lambda tmp: ["-a", f"portals={tmp}/missing.yaml"], "cannot read registry"),
        (lambda tmp: ["-a", "portals=" + registry(tmp, "portals: [\n")], "not valid YAML"),
        (lambda tmp: ["-a", "portals=" + registry(tmp, GOOD_ENTRY + "    colour: red\n")], "colour"),
        (lambda tmp: ["-a", "portals=" + registry(tmp, GOOD_ENTRY.replace("cms: static", "cms: drupal"))], "drupal"),
        (lambda tmp: ["-s", f"REPORTS_DB={tmp}"], "is a directory: give a file path"),
        (lambda tmp: ["-s", "REPORTS_DB=/proc/1/none/reports.db"], "cannot be created"),
    ],
    ids=[
        "unknown-province",
        "backwards-years",
        "malformed-years",
        "bad-refresh",
        "unknown-argument",
        "missing-registry",
        "malformed-registry",
        "unknown-key",
        "unknown-cms",
        "db-is-a-directory",
        "db-path-unwritable",
    ],
)
def test_a_user_mistake_ends_in_one_line_and_exit_status_2(tmp_path: Path, make_args, message: str) -> None:
    proc = crawl(*make_args(tmp_path))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-2000:]
    assert message in lines[0]


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    path = tmp_path / "reports.db"
    path.write_text("these are my notes, not a database\n" * 100, "utf-8")
    proc = crawl("-s", f"REPORTS_DB={path}")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: REPORTS_DB={path} is not a SQLite database: give another path"
    assert path.read_text("utf-8").startswith("these are my notes")  # left as it was
