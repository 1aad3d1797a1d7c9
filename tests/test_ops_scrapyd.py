"""Scheduled crawls on a real scrapyd: deploy an egg, schedule, poll, check the store.

Starts scrapyd on a free loopback port with a temporary config (basic auth on)
and directories, deploys the project with scrapyd-client's ``scrapyd-deploy``
to a deploy target given in a temporary user scrapy.cfg, schedules
``province_reports`` against the fixture portals through ``schedule.json``
(scrapyd-client's ScrapydClient, then ``scrapy schedule --wait``) and checks
that each job wrote the database its schedule call named, and that
``--wait`` reports a job that failed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import FAST, ROOT, SCRAPY, Crawl
from scrapyd_client.exceptions import MalformedResponse
from scrapyd_client.pyclient import ScrapydClient

from crawler.commands.schedule import outcome

USER, PASSWORD = "crawler", "s3cret-for-tests"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_scrapyd(tmp_path: Path, env: dict[str, str], logs_dir: Path | None = None) -> Iterator[ScrapydClient]:
    """scrapyd on a free loopback port, its config checked by deploy/check_scrapyd.py as the unit does."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    conf = home / "scrapyd.conf"
    conf.write_text(
        f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
username = {USER}
password = {PASSWORD}
eggs_dir = {home / "eggs"}
logs_dir = {logs_dir or home / "logs"}
dbs_dir = {home / "dbs"}
items_dir =
poll_interval = 0.5
max_proc = 2
""",
        "utf-8",
    )
    conf.chmod(0o600)
    environ = {**os.environ, "HOME": str(home), **env}
    checked = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "check_scrapyd.py")],
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
    )
    assert checked.returncode == 0, checked.stderr  # what ExecStartPre runs before scrapyd
    log = (home / "scrapyd.out").open("w")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=log, stderr=subprocess.STDOUT, env=environ)
    client = ScrapydClient(f"http://127.0.0.1:{port}", USER, PASSWORD)
    for _ in range(200):
        try:
            if client.daemonstatus()["status"] == "ok":
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("scrapyd did not start:\n" + (home / "scrapyd.out").read_text())
    yield client
    proc.terminate()
    proc.wait(15)
    log.close()


@pytest.fixture
def scrapyd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ScrapydClient, Path]]:
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))  # ScrapydClient without a user reads ~/.netrc
    for client in start_scrapyd(tmp_path, {}):
        yield client, tmp_path / "scrapyd"


@pytest.fixture
def confined_scrapyd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ScrapydClient, Path]]:
    """scrapyd as deploy/systemd/scrapyd.service runs it: REPORTS_DATA_DIR set, job logs under it."""
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    data = tmp_path / "data"
    for client in start_scrapyd(tmp_path, {"REPORTS_DATA_DIR": str(data)}, logs_dir=data / "logs"):
        yield client, data


def wait_finished(client: ScrapydClient, job: str, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = client.jobs("reports")
        if any(j["id"] == job for j in jobs["finished"]):
            return
        time.sleep(0.5)
    pytest.fail(f"job {job} did not finish: {jobs}")


def deploy(client: ScrapydClient, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Deploy with scrapyd-client to a target defined outside the checkout."""
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    (xdg / "scrapy.cfg").write_text(
        f"[deploy:test]\nurl = {client.url}/\nproject = reports\nusername = {USER}\npassword = {PASSWORD}\n", "utf-8"
    )
    return subprocess.run(
        [str(BIN / "scrapyd-deploy"), "test", "-v", "r1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_CONFIG_HOME": str(xdg)},
    )


def schedule_command(client: ScrapydClient, *args: str) -> list[str]:
    """`scrapy schedule` as cron and the systemd timers run it, waiting for the job."""
    job_settings = [f"--job-setting={k}={v}" for k, v in FAST.items()]
    return [SCRAPY, "schedule", "--url", client.url, *args, *job_settings, "--wait", "--timeout", "150"]


SCHEDULE_ENV = {"SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD}


def test_deployed_egg_runs_scheduled_crawls_into_the_named_database(
    crawl: Crawl, scrapyd: tuple[ScrapydClient, Path], tmp_path: Path
) -> None:
    started = time.monotonic()
    client, home = scrapyd
    with pytest.raises(MalformedResponse):  # scrapyd's 401 page is no JSON
        ScrapydClient(client.url).projects()
    refused = requests.get(f"{client.url}/listprojects.json", timeout=30)
    assert refused.status_code == 401  # authentication is on

    deploy_run = deploy(client, tmp_path)
    assert deploy_run.returncode == 0, deploy_run.stdout + deploy_run.stderr
    assert client.spiders("reports") == ["province_reports"]

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
    data = [("portals", str(crawl.registry))] + [("setting", f"{k}={v}") for k, v in settings.items()]
    jobid = client.schedule("reports", "province_reports", data)  # raises unless scrapyd answered "ok"
    wait_finished(client, jobid)
    log = next((home / "logs" / "reports" / "province_reports").glob(f"{jobid}.log")).read_text("utf-8")
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    crawl.run()  # the same crawl as a plain `scrapy crawl`, for comparison
    single = crawl.stored_urls()
    crawl.db_path = db_path
    assert single and crawl.stored_urls() == single

    # `scrapy schedule` (what cron and the systemd timers run) does the same for one province.
    province_db = tmp_path / "hebei.db"
    scheduled = subprocess.run(
        schedule_command(client, "-a", "province=hebei", "-a", f"portals={crawl.registry}", "--db", str(province_db)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=200,
        env={**os.environ, **SCHEDULE_ENV},
    )
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    assert "finished" in scheduled.stdout
    crawl.db_path = province_db
    assert crawl.stored_urls() and {r[0] for r in crawl.query("SELECT DISTINCT province FROM reports")} == {"hebei"}
    print(f"scrapyd test took {time.monotonic() - started:.1f} s")


def test_schedule_wait_exits_nonzero_with_one_line_when_the_job_failed(
    crawl: Crawl, scrapyd: tuple[ScrapydClient, Path], tmp_path: Path
) -> None:
    client, home = scrapyd
    deploy_run = deploy(client, tmp_path)
    assert deploy_run.returncode == 0, deploy_run.stdout + deploy_run.stderr
    portals = f"portals={crawl.registry}"
    runs = {
        # dies at start: the spider refuses an unknown province
        "unknown": ["-a", "province=atlantis", "-a", portals, "--db", str(tmp_path / "never.db")],
        # runs, but closes for another reason than "finished"
        "stopped": ["-a", portals, "--db", str(tmp_path / "stopped.db"), "--job-setting=CLOSESPIDER_ITEMCOUNT=1"],
    }
    procs = {
        name: subprocess.Popen(
            schedule_command(client, *args),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **SCHEDULE_ENV},
        )
        for name, args in runs.items()
    }
    out = {name: (*proc.communicate(timeout=200), proc.returncode) for name, proc in procs.items()}

    stdout, stderr, code = out["unknown"]
    assert code == 1, stdout + stderr
    assert stdout.startswith("Scheduled province_reports") and "finished" not in stdout
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "failed: it left no log, so it stopped before the crawl began" in stderr
    assert "province=atlantis is not a province" in (home / "scrapyd.out").read_text("utf-8")

    stdout, stderr, code = out["stopped"]
    assert code == 1, stdout + stderr
    assert "failed: the spider closed with reason 'closespider_itemcount'" in stderr


def test_job_log_outcome_tells_finished_from_failed_crawls() -> None:
    """The end of a job's log, as Scrapy writes it (typed here), read by `scrapy schedule --wait`."""
    closed = "2026-12-01 11:05:10 [scrapy.core.engine] INFO: Spider closed ({})\n"
    assert outcome("...\n" + closed.format("finished")) is None
    assert outcome(closed.format("shutdown")) == "the spider closed with reason 'shutdown'"
    crashed = (
        "2026-12-01 11:01:22 [asyncio] ERROR: Task exception was never retrieved\n"
        "Traceback (most recent call last):\n"
        '  File "crawler/registry/provinces.py", line 54, in province_slug\n'
        "KeyError: \"unknown province 'atlantis'\"\n"
    )
    assert outcome(crashed) == "the crawl never closed its spider: KeyError: \"unknown province 'atlantis'\""


def test_jobs_naming_paths_outside_the_data_directory_are_refused_and_write_nothing(
    crawl: Crawl, confined_scrapyd: tuple[ScrapydClient, Path], tmp_path: Path
) -> None:
    client, data = confined_scrapyd
    deploy_run = deploy(client, tmp_path)
    assert deploy_run.returncode == 0, deploy_run.stdout + deploy_run.stderr
    outside = {"db": Path("/etc/x.db"), "job": Path("/etc/x-jobdir"), "widened": Path("/etc/y.db")}
    assert not any(p.exists() for p in outside.values())
    base = [("portals", str(crawl.registry))] + [("setting", f"{k}={v}") for k, v in FAST.items()]
    jobs = {
        "db": client.schedule("reports", "province_reports", [*base, ("setting", "REPORTS_DB=/etc/x.db")]),
        "job": client.schedule(
            "reports",
            "province_reports",
            [*base, ("setting", f"REPORTS_DB={data}/ok.db"), ("setting", "JOBDIR=/etc/x-jobdir")],
        ),
        "widened": client.schedule(
            "reports",
            "province_reports",
            [*base, ("setting", "REPORTS_DATA_DIR=/"), ("setting", "REPORTS_DB=/etc/y.db")],
        ),
    }
    for job in jobs.values():
        wait_finished(client, job)
    out = (tmp_path / "scrapyd" / "scrapyd.out").read_text("utf-8")
    for name, job in jobs.items():
        assert not list((data / "logs").glob(f"**/{job}.log")), name  # refused before its log opened
    assert not any(p.exists() for p in [*outside.values(), Path("/etc/x.db.lock"), Path("/etc/y.db.lock")])
    assert not (data / "ok.db").exists()
    for shown in ("REPORTS_DB=/etc/x.db", "JOBDIR=/etc/x-jobdir", "REPORTS_DB=/etc/y.db"):
        assert f"error: {shown} is outside REPORTS_DATA_DIR={data}: this crawl may write only under {data}" in out

    # A job inside it runs, scheduled as cron does: the password read from a file.
    password_file = tmp_path / "scrapyd.pass"
    password_file.write_text(PASSWORD + "\n", "utf-8")
    password_file.chmod(0o600)
    scheduled = subprocess.run(
        schedule_command(client, "-a", f"portals={crawl.registry}", "--db", str(data / "reports.db")),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=200,
        env={**os.environ, "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD_FILE": str(password_file)},
    )
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    crawl.db_path = data / "reports.db"
    assert crawl.stored_urls()
    assert list((data / "logs").glob("**/*.log"))  # the job's log, under the data directory
