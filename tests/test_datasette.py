"""The database opens in a real Datasette, with the project's labels."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crawler.storage import open_db, save_report

ROOT = Path(__file__).resolve().parent.parent
DATASETTE = str(Path(sys.executable).parent / "datasette")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.load(resp)


def test_datasette_serves_reports_with_readable_labels(tmp_path: Path) -> None:
    db_path = tmp_path / "reports.db"
    db = open_db(db_path)
    save_report(
        db,
        {
            "report_id": "r1",
            "url": "http://127.0.0.1/a.html",
            "title": "盖北镇2021年政府信息公开年度报告",
            "province": "zhejiang",
            "report_year": 2021,
        },
        "t",
    )
    db.close()
    port = free_port()
    proc = subprocess.Popen(
        [
            DATASETTE,
            "serve",
            str(db_path),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(ROOT / "crawler" / "datasette" / "metadata.yaml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                rows = get_json(f"{base}/reports/reports.json?_shape=array")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("datasette did not start: " + proc.stdout.read(2000).decode() if proc.stdout else "")
        assert [r["title"] for r in rows] == ["盖北镇2021年政府信息公开年度报告"]
        metadata = get_json(f"{base}/-/metadata.json")
        assert metadata["databases"]["reports"]["tables"]["reports"]["columns"]["index_no"].startswith("索引号")
    finally:
        proc.terminate()
        proc.wait(10)
