"""`scrapy extract`: one saved page in, the parsed report as JSON out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from test_parsing_tables import ACTIVE_2021, ACTIVE_2021_HTML, applications_html, expected_apps

from crawler.commands.extract import extract_report, skipped_stages

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
EXPECTED = FIXTURES / "expected" / "reports"
TEXT_OFF = {"ATTACHMENTS_ENABLED": False, "DECODE_ENABLED": False, "NORMALISE_ENABLED": False}


def page(encoding: str = "utf-8") -> bytes:
    html = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
        "<title>某镇2021年政府信息公开工作年度报告_某镇人民政府</title></head><body><div class=main>"
        "<h1>某镇2021年政府信息公开工作年度报告</h1><p>索引号：ABC／2022-00１ 发布机构：某镇人民政府 发布日期：2022-01-20</p>"
        "<p>一、总体情况</p><p>概况。</p><p>二、主动公开政府信息情况</p>"
        + ACTIVE_2021_HTML
        + "<p>三、收到和处理政府信息公开申请情况</p>"
        + applications_html("2021")
        + "<p>五、存在的主要问题及改进情况</p><p>问题。</p><p>六、其他需要报告的事项</p><p>无。</p></div></body></html>"
    )
    return html.encode(encoding)


@pytest.mark.parametrize(("encoding", "content_type"), [("utf-8", None), ("gbk", "text/html; charset=GBK")])
def test_extract_report_runs_metadata_sections_and_tables(encoding, content_type):
    # parsing stages alone (plain decode): this toy page is too small for main-content detection
    report = extract_report(page(encoding), url="http://127.0.0.1/r.html", content_type=content_type, settings=TEXT_OFF)
    assert {
        k: report[k] for k in ("title", "index_no", "index_key", "publisher", "publish_date", "report_year", "format")
    } == {
        "title": "某镇2021年政府信息公开工作年度报告",
        "index_no": "ABC／2022-00１",
        "index_key": "ABC/2022-001",
        "publisher": "某镇人民政府",
        "publish_date": "2022-01-20",
        "report_year": 2021,
        "format": "2021",
    }
    assert [s["code"] for s in report["sections"]] == ["overview", "active", "applications", "problems", "other"]
    assert report["tables"] == {"active": ACTIVE_2021, "applications": expected_apps("2021")}
    assert report["errors"] == [{"stage": "tables", "error": "review_litigation: table not found"}]
    assert {c["check_code"] for c in report["checks"]} == {
        "applications_balance",
        "applications_outcomes",
        "applications_applicants",
    }


def test_extract_skips_switched_off_stages_and_the_dedup_key():
    assert skipped_stages(Settings({"DECODE_ENABLED": False})) == {"decode", "dedup"}
    assert skipped_stages(Settings({})) == {"dedup"}


@pytest.mark.services  # runs `scrapy extract` in a subprocess
def test_scrapy_extract_command_prints_json(tmp_path):
    path = tmp_path / "report.html"
    path.write_bytes(page())
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "extract", str(path), "--url", "http://127.0.0.1/r.html"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    report = json.loads(out)
    assert report["url"] == "http://127.0.0.1/r.html"
    assert report["tables"]["applications"]["3.3.5"]["legal_service"] == expected_apps("2021")["3.3.5"]["legal_service"]


@pytest.mark.services  # runs `scrapy extract` in a subprocess
def test_scrapy_extract_without_path_is_a_usage_error():
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "extract"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2 and "PATH" in proc.stderr + proc.stdout


# ---------------------------------------------------------------- fixture reports


def _fixture_cases() -> list[tuple[Path, Path]]:
    return (
        sorted((p, FIXTURES / "sites" / p.relative_to(EXPECTED).with_suffix("")) for p in EXPECTED.rglob("*.json"))
        if EXPECTED.is_dir()
        else []
    )


def _content_type(page_path: Path) -> str | None:
    """Content-Type the fixture server sends for this page (site.yaml globs)."""
    import fnmatch

    import yaml

    site_dir = page_path
    while site_dir.parent != FIXTURES / "sites":
        site_dir = site_dir.parent
    spec = yaml.safe_load((site_dir / "site.yaml").read_text(encoding="utf-8")) or {}
    rel = page_path.relative_to(site_dir).as_posix()
    headers = spec.get("content_types") or spec.get("headers") or {}
    if isinstance(headers, dict):
        for glob, value in headers.items():
            if fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch("/" + rel, glob):
                return value if isinstance(value, str) else (value or {}).get("Content-Type")
    return None


@pytest.mark.parametrize(
    ("expected_path", "page_path"),
    _fixture_cases(),
    ids=lambda p: str(p.relative_to(ROOT)) if isinstance(p, Path) else str(p),
)
def test_fixture_report_extracts_to_its_hand_checked_json(expected_path, page_path):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    report = extract_report(
        page_path.read_bytes(),
        url=expected.get("url") or page_path.as_uri(),
        content_type=expected.get("content_type") or _content_type(page_path),
    )
    for field in ("title", "index_no", "index_key", "publisher", "publish_date", "report_year", "doc_no", "format"):
        assert report[field] == expected[field], field
    assert [(s["code"], s["heading"]) for s in report["sections"]] == [tuple(s) for s in expected["sections"]]
    assert report["tables"] == expected["tables"]
    assert sorted((c["check_code"], c["scope"], c["status"]) for c in report["checks"]) == sorted(
        tuple(c) for c in expected["checks"]
    )


def test_extract_of_a_legacy_doc_reports_why_and_reads_no_garbage():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8
    report = extract_report(
        ole2,
        url="http://127.0.0.1/P0201.doc",
        content_type="application/msword",
        settings={"DECODE_ENABLED": False, "NORMALISE_ENABLED": False},
    )
    assert report["errors"][0]["stage"] == "attachment"
    assert report["source_encoding"] is None  # its bytes were never read as a web page
    assert report["title"] is None and report["sections"] == [] and report["tables"] == {}
