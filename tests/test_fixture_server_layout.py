"""The fixture server is a tool of the checkout: not in the egg, writing nothing into the tree."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SCRAPY

from fixture_server import FixtureServer


@pytest.mark.services  # builds the egg in a subprocess
def test_the_scrapyd_egg_ships_no_fixture_server(tmp_path: Path) -> None:
    """Built as scrapyd-deploy builds it (`setup.py bdist_egg`), into a temporary directory."""
    build = subprocess.run(
        [
            sys.executable,
            "setup.py",
            "-q",
            "egg_info",
            "--egg-base",
            str(tmp_path),
            "build",
            "--build-base",
            str(tmp_path / "build"),
            "bdist_egg",
            "--dist-dir",
            str(tmp_path),
            "--bdist-dir",
            str(tmp_path / "bdist"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    names = zipfile.ZipFile(next(tmp_path.glob("*.egg"))).namelist()
    assert "crawler/settings.py" in names
    assert [n for n in names if "fixture" in n] == []


def test_injected_faults_are_written_outside_the_fixtures_tree() -> None:
    """Without a workdir the faults file goes to a temporary directory, removed afterwards."""
    before = {p for p in (ROOT, FIXTURES) if (p / ".fixture-faults.json").exists()}
    faults = [{"path": "/robots.txt", "kind": "status", "status": 503, "times": 1}]
    with FixtureServer(faults=faults) as server:
        url = server.sites["static_guannan"] + "/robots.txt"
        try:
            urllib.request.urlopen(url, timeout=10)
            first = 200
        except urllib.error.HTTPError as exc:
            first = exc.code
        with urllib.request.urlopen(url, timeout=10) as response:
            second = response.status
        during = {p for p in (ROOT, FIXTURES) if (p / ".fixture-faults.json").exists()}
        faults_file = Path(server._tmp.name) / ".fixture-faults.json" if server._tmp else None
        assert faults_file is not None and faults_file.exists()
    assert (first, second) == (503, 200)
    assert during == before == set()
    assert not faults_file.exists()


@pytest.mark.services  # runs `scrapy demo` in a subprocess
def test_demo_outside_a_checkout_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = crawler.settings\n", "utf-8")
    with_cfg = subprocess.run([SCRAPY, "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    bare = tmp_path / "bare"
    bare.mkdir()
    without_cfg = subprocess.run([SCRAPY, "demo"], cwd=bare, env=env, capture_output=True, text=True, timeout=120)
    for proc in (with_cfg, without_cfg):
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "needs a checkout of the project" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare", "scrapy.cfg"]  # nothing created
