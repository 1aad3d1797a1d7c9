"""REPORTS_DATA_DIR: a crawl writes only under it, and a path outside is refused before anything is written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import FAST, ROOT, SCRAPY, Crawl
from scrapy.settings import Settings

from crawler.arguments import ArgumentError
from crawler.extensions.datadir import check_data_dir


def settings(**values: object) -> Settings:
    return Settings(values)


def test_paths_inside_the_data_directory_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTS_DATA_DIR", str(tmp_path))
    check_data_dir(
        settings(
            REPORTS_DB=f"{tmp_path}/a/reports.db",
            LOG_FILE=f"{tmp_path}/logs/x.log",
            JOBDIR=f"{tmp_path}/jobs/1",
            FEEDS={f"file://{tmp_path}/out/%(name)s.jsonl": {"format": "jsonlines"}},
        )
    )


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("REPORTS_DB", "/etc/x.db", "REPORTS_DB=/etc/x.db"),
        ("LOG_FILE", "{data}/../escape.log", "LOG_FILE={data}/../escape.log"),
        ("JOBDIR", "{data}/link/job", "JOBDIR={data}/link/job"),  # a symlink out of the directory
        ("FEEDS", '{{"s3://bucket/x.jl": {{"format": "jsonlines"}}}}', "FEEDS=s3://bucket/x.jl"),
        ("FEEDS", '{{"/tmp/elsewhere.csv": {{"format": "csv"}}}}', "FEEDS=/tmp/elsewhere.csv"),
    ],
    ids=["db-in-etc", "dot-dot", "symlink", "remote-feed", "feed-elsewhere"],
)
def test_a_path_outside_the_data_directory_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, shown: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "link").symlink_to("/tmp")
    monkeypatch.setenv("REPORTS_DATA_DIR", str(data))
    with pytest.raises(ArgumentError) as refused:
        check_data_dir(settings(**{name: value.format(data=data)}))
    assert str(refused.value) == (
        f"{shown.format(data=data)} is outside REPORTS_DATA_DIR={data}: this crawl may write only under {data}"
    )


def test_a_setting_cannot_widen_the_directory_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTS_DATA_DIR", str(tmp_path))
    with pytest.raises(ArgumentError, match="is outside REPORTS_DATA_DIR"):
        check_data_dir(settings(REPORTS_DATA_DIR="/", REPORTS_DB="/etc/x.db"))
    monkeypatch.delenv("REPORTS_DATA_DIR")
    check_data_dir(settings(REPORTS_DB="/etc/x.db"))  # no directory set: no confinement


def test_a_crawl_naming_a_database_outside_the_data_directory_exits_2_and_writes_nothing(
    crawl: Crawl, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    outside = tmp_path / "outside"
    env_cmd = [
        "env",
        f"REPORTS_DATA_DIR={data}",
        SCRAPY,
        "crawl",
        "province_reports",
        "-a",
        f"portals={crawl.registry}",
    ]
    for key, value in FAST.items():
        env_cmd += ["-s", f"{key}={value}"]
    refused = subprocess.run(
        [*env_cmd, "-s", f"REPORTS_DB={outside}/x.db", "-s", f"LOG_FILE={data}/x.log"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert refused.stderr.strip() == (
        f"error: REPORTS_DB={outside}/x.db is outside REPORTS_DATA_DIR={data}: this crawl may write only under {data}"
    )
    assert not outside.exists() and not (data / "x.log").exists()

    log_outside = subprocess.run(
        [*env_cmd, "-s", f"REPORTS_DB={data}/x.db", "-s", f"LOG_FILE={outside}/x.log"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert log_outside.returncode == 2 and f"LOG_FILE={outside}/x.log is outside" in log_outside.stderr
    assert not outside.exists() and not (data / "x.db").exists()

    inside = subprocess.run(
        [*env_cmd, "-s", f"REPORTS_DB={data}/x.db", "-s", f"LOG_FILE={data}/x.log"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert inside.returncode == 0, inside.stderr[-3000:]
    crawl.db_path = data / "x.db"
    assert crawl.stored_urls()
