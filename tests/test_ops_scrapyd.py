"""Scheduled crawls on a real scrapyd: deploy an egg, schedule, poll, check the store.

Starts scrapyd on a free loopback port with a temporary config (basic auth on)
and directories, deploys the project with scrapyd-client's ``scrapyd-deploy``
to a deploy target given in a temporary user scrapy.cfg, schedules
``province_reports`` against the fixture portals through ``schedule.json``
(raw HTTP, then with ``scrapy schedule --wait``) and checks that each job
wrote the database its schedule call named.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST, ROOT, SCRAPY, Crawl

USER, PASSWORD = "crawler", "s3cret-for-tests"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Scrapyd:
    def __init__(self, url: str, auth: bool = True):
        self.url = url
        self.headers = (
            {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()} if auth else {}
        )

    def call(self, endpoint: str, data: list[tuple[str, str]] | None = None, **params: str) -> dict[str, Any]:
        url = f"{self.url}/{endpoint}" + ("?" + urllib.parse.urlencode(params) if params else "")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=self.headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[tuple[Scrapyd, Path]]:
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
username = {USER}
password = {PASSWORD}
eggs_dir = {home / "eggs"}
logs_dir = {home / "logs"}
dbs_dir = {home / "dbs"}
items_dir =
poll_interval = 0.5
max_proc = 2
""",
        "utf-8",
    )
    log = (home / "scrapyd.out").open("w")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    client = Scrapyd(f"http://127.0.0.1:{port}")
    for _ in range(200):
        try:
            if client.call("daemonstatus.json")["status"] == "ok":
                break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("scrapyd did not start:\n" + (home / "scrapyd.out").read_text())
    yield client, home
    proc.terminate()
    proc.wait(15)
    log.close()


def wait_finished(client: Scrapyd, job: str, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = client.call("listjobs.json", project="reports")
        if any(j["id"] == job for j in jobs["finished"]):
            return
        time.sleep(0.5)
    pytest.fail(f"job {job} did not finish: {jobs}")


def test_deployed_egg_runs_scheduled_crawls_into_the_named_database(
    crawl: Crawl, scrapyd: tuple[Scrapyd, Path], tmp_path: Path
) -> None:
    started = time.monotonic()
    client, home = scrapyd
    with pytest.raises(urllib.error.HTTPError) as refused:
        Scrapyd(client.url, auth=False).call("listprojects.json")
    assert refused.value.code == 401  # authentication is on

    # Deploy with scrapyd-client to a target defined outside the checkout.
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    (xdg / "scrapy.cfg").write_text(
        f"[deploy:test]\nurl = {client.url}/\nproject = reports\nusername = {USER}\npassword = {PASSWORD}\n", "utf-8"
    )
    deploy = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "test", "-v", "r1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_CONFIG_HOME": str(xdg)},
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert client.call("listspiders.json", project="reports")["spiders"] == ["province_reports"]

    # The egg carries the bundled registry, and the package reads it from inside the egg.
    egg = next((home / "eggs" / "reports").glob("r1*.egg"))
    assert "crawler/registry/portals.yaml" in zipfile.ZipFile(egg).namelist()
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import crawler.registry as r; "
            "print(r.__file__); print(len(r.load_registry().portals))",
            str(egg),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    where, count = probe.stdout.split()
    assert where.startswith(str(egg)) and int(count) > 0

    # Schedule through schedule.json; the job writes the database the call names.
    db_path = tmp_path / "scheduled.db"
    settings = {**FAST, "REPORTS_DB": str(db_path)}
    data = [("project", "reports"), ("spider", "province_reports"), ("portals", str(crawl.registry))]
    data += [("setting", f"{k}={v}") for k, v in settings.items()]
    answer = client.call("schedule.json", data)
    assert answer["status"] == "ok", answer
    wait_finished(client, answer["jobid"])
    log = next((home / "logs" / "reports" / "province_reports").glob(f"{answer['jobid']}.log")).read_text("utf-8")
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    crawl.run()  # the same crawl as a plain `scrapy crawl`, for comparison
    single = crawl.stored_urls()
    crawl.db_path = db_path
    assert single and crawl.stored_urls() == single

    # `scrapy schedule` (what cron and the systemd timers run) does the same for one province.
    province_db = tmp_path / "hebei.db"
    job_settings = [f"--job-setting={k}={v}" for k, v in FAST.items()]
    scheduled = subprocess.run(
        [
            SCRAPY,
            "schedule",
            "--url",
            client.url,
            "-a",
            "province=hebei",
            "-a",
            f"portals={crawl.registry}",
            "--db",
            str(province_db),
            *job_settings,
            "--wait",
            "--timeout",
            "150",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=200,
        env={**os.environ, "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD},
    )
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    assert "finished" in scheduled.stdout
    crawl.db_path = province_db
    assert crawl.stored_urls() and {r[0] for r in crawl.query("SELECT DISTINCT province FROM reports")} == {"hebei"}
    print(f"scrapyd test took {time.monotonic() - started:.1f} s")
