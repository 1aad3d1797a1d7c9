"""The database opens in a real Datasette, with the project's labels."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from datasette.utils import tilde_decode, tilde_encode

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


def serve(db_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real Datasette on 127.0.0.1 with no -m: labels and queries come from the plugin alone."""
    port = free_port()
    proc = subprocess.Popen(
        [DATASETTE, "serve", str(db_path), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            get_json(f"{base}/-/plugins.json")
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError("datasette did not start")


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def test_plugin_labels_facets_and_queries_apply_to_a_database_of_any_name(tmp_path: Path) -> None:
    db_path = tmp_path / "浙江-2024 copy.db"
    db = open_db(db_path)
    for rid, province, year in [("r1", "zhejiang", 2021), ("r2", "henan", 2021), ("r3", "zhejiang", 2022)]:
        save_report(
            db,
            {
                "report_id": rid,
                "url": f"http://127.0.0.1/{rid}.html",
                "title": f"{rid}卫生健康局年度报告",
                "province": province,
                "report_year": year,
                "checks": [
                    {
                        "check_code": "applications_balance",
                        "scope": "total",
                        "status": "fail" if rid == "r1" else "pass",
                    }
                ],
            },
            "t",
        )
    db.close()
    proc, base = serve(db_path)
    (name,) = [tilde_encode(d["name"]) for d in get_json(f"{base}/-/databases.json")]  # type: ignore[union-attr,index]
    assert tilde_decode(name) == "浙江-2024 copy"
    try:
        table = get_json(f"{base}/{name}/reports.json?_size=0")
        assert isinstance(table, dict)
        facets = {k: {r["value"]: r["count"] for r in v["results"]} for k, v in table["facet_results"].items()}
        assert facets["province"] == {"zhejiang": 2, "henan": 1}
        assert facets["report_year"] == {2021: 2, 2022: 1}
        status = get_json(f"{base}/{name}/report_status.json?_size=0&_facet=check_status")
        assert isinstance(status, dict)
        assert {r["value"]: r["count"] for r in status["facet_results"]["check_status"]["results"]} == {
            "fail": 1,
            "pass": 2,
        }
        database = get_json(f"{base}/{name}.json")
        assert isinstance(database, dict)
        assert {q["name"] for q in database["queries"]} >= {
            "search",
            "failing_checks",
            "findings_by_kind",
            "applications_by_province_year",
            "late_and_missing",
            "most_copied",
        }
        assert "索引号 · index number as printed" in get_text(f"{base}/{name}/reports")
        hits = get_json(f"{base}/{name}/search.json?_shape=array&q=" + urllib.parse.quote("卫生"))
        assert sorted(h["report_id"] for h in hits) == ["r1", "r2", "r3"]  # type: ignore[union-attr]
        failing = get_json(f"{base}/{name}/failing_checks.json?_shape=array")
        assert [(f["report_id"], f["check_code"]) for f in failing] == [("r1", "applications_balance")]  # type: ignore[union-attr]
        page = get_text(f"{base}/{name}/-/report/r1")
        assert "r1卫生健康局年度报告" in page and 'data-check="applications_balance"' in page
    finally:
        proc.terminate()
        proc.wait(10)


def test_every_column_a_reader_sees_has_a_chinese_label(tmp_path: Path) -> None:
    from crawler.datasette import HIDDEN, STATUS_COLUMNS, database_metadata

    db = open_db(tmp_path / "r.db")
    tables = database_metadata()["tables"]
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    shown = [n for n in names if n not in HIDDEN and not n.startswith(("reports_fts", "reports_search", "sqlite_"))]
    assert "reports" in shown and "report_status" in shown
    for name in shown:
        labels = STATUS_COLUMNS if name == "report_status" else tables.get(name, {}).get("columns", {})
        for (column,) in db.execute(f"SELECT name FROM pragma_table_info('{name}')"):
            label = labels.get(column, "")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in label), (name, column)
