"""`scrapy schedule [-a province=P] [--db PATH] [--wait]`: run a crawl on scrapyd.

scrapyd has no timer.  This posts one job to its ``schedule.json`` (URL and
credentials from the environment or the ``[deploy]`` target in scrapy.cfg;
the password may be read from a file, ``--password-file`` or
``$SCRAPYD_PASSWORD_FILE``, so it never appears on a command line),
so cron or a systemd timer can start crawls (see ``deploy/``); ``--wait``
polls ``listjobs.json`` until the job has finished, then reads the end of
the job's log to tell a finished crawl from one that failed, and exits 1
when it failed.  The HTTP calls go through scrapyd-client's ScrapydClient.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import requests
from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import get_config
from scrapyd_client.exceptions import ErrorResponse, MalformedResponse
from scrapyd_client.pyclient import ScrapydClient

SPIDER = "province_reports"
LOG_TAIL_BYTES = 64 * 1024  # the close line and the stats dump are at the very end
CLOSED = re.compile(r"\[scrapy\.core\.engine\] INFO: Spider closed \((?P<reason>[^)]*)\)")
ERROR = re.compile(r"^(?:\S+ \S+ \[[^]]+\] (?:ERROR|CRITICAL): .*|[A-Za-z_.]+(?:Error|Exception)\b.*)$", re.M)


class ScrapydError(RuntimeError):
    """scrapyd refused a request, answered with an error, or could not be reached."""


class JobFailed(RuntimeError):
    """The job finished without its spider closing with reason ``finished``."""


def deploy_target(name: str = "default") -> dict[str, str]:
    """The scrapy.cfg deploy target: ``[deploy]`` or ``[deploy:NAME]``, env vars expanded."""
    cfg = get_config()
    target = dict(cfg.items("deploy", raw=True)) if cfg.has_section("deploy") else {}
    if name != "default" and cfg.has_section(f"deploy:{name}"):
        target.update(cfg.items(f"deploy:{name}", raw=True))
    return {k: os.path.expandvars(v) for k, v in target.items()}


def read_password(path: str) -> str:
    """The first line of a password file (a file only the scheduling user can read)."""
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the scrapyd password file {path}: {exc.strerror}") from None
    password = text.splitlines()[0].strip() if text.strip() else ""
    if not password:
        raise UsageError(f"the scrapyd password file {path} is empty")
    return password


def call(what: str, client: ScrapydClient, method: str, *args: Any) -> Any:
    """One ScrapydClient call, its failures turned into one readable ScrapydError."""
    try:
        return getattr(client, method)(*args)
    except ErrorResponse as exc:
        raise ScrapydError(f"{what}: {exc}") from None
    except MalformedResponse as exc:  # 401 and other non-JSON pages
        text = " ".join(str(exc).split())[:120]
        raise ScrapydError(f"{what}: scrapyd answered with no JSON (wrong URL or credentials?): {text}") from None
    except requests.RequestException as exc:
        raise ScrapydError(f"{what}: cannot reach {client.url}: {exc}") from None


def find_job(client: ScrapydClient, project: str, job: str) -> tuple[str | None, dict[str, Any]]:
    """The job's state (pending/running/finished, None if unknown) and its listjobs.json entry."""
    jobs = call("listjobs.json", client, "jobs", project)
    for state in ("pending", "running", "finished"):
        for entry in jobs.get(state, []):
            if entry["id"] == job:
                return state, entry
    return None, {}


def wait(client: ScrapydClient, project: str, job: str, timeout: float, poll: float = 1.0) -> dict[str, Any]:
    """Poll until the job is finished; its listjobs.json entry."""
    deadline = time.monotonic() + timeout
    while (found := find_job(client, project, job))[0] != "finished":
        if time.monotonic() > deadline:
            raise ScrapydError(f"job {job} still {found[0]} after {timeout:.0f} s")
        time.sleep(poll)
    return found[1]


def log_tail(client: ScrapydClient, log_url: str) -> str:
    """The last LOG_TAIL_BYTES of a job's log (scrapyd serves logs as static files, with ranges)."""
    url = client.url.rstrip("/") + log_url
    try:
        # a suffix range longer than the file makes Twisted's static.File fail (HTTP 500): ask for the size first
        head = requests.head(url, auth=client.auth, timeout=60)
        head.raise_for_status()
        size = int(head.headers.get("Content-Length", 0))
        headers = {"Range": f"bytes={size - LOG_TAIL_BYTES}-"} if size > LOG_TAIL_BYTES else {}
        response = requests.get(url, headers=headers, auth=client.auth, timeout=60)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ScrapydError(f"job log {url}: {exc}") from None
    return response.content.decode("utf-8", "replace")


def outcome(log: str) -> str | None:
    """None for a crawl whose spider closed `finished`; else why it did not, in one line."""
    closes = CLOSED.findall(log)
    if closes and closes[-1] == "finished":
        return None
    if closes:
        return f"the spider closed with reason {closes[-1]!r}"
    errors = ERROR.findall(log)
    last = errors[-1].strip() if errors else "no 'Spider closed' line in the log"
    return f"the crawl never closed its spider: {last[:300]}"


def logs_served(client: ScrapydClient) -> bool:
    """Whether scrapyd keeps job logs (with an empty logs_dir it serves no /logs/)."""
    try:
        response = requests.get(client.url.rstrip("/") + "/logs/", auth=client.auth, timeout=60)
    except requests.RequestException as exc:
        raise ScrapydError(f"job logs {client.url}/logs/: {exc}") from None
    return response.status_code == 200


def check_finished_job(client: ScrapydClient, job: str, entry: dict[str, Any]) -> None:
    """Raise JobFailed unless the finished job's log says its spider closed `finished`."""
    log_url = entry.get("log_url")
    if not log_url:
        if logs_served(client):  # logs are kept, yet this job wrote none: it died before logging
            raise JobFailed(
                f"job {job} failed: it left no log, so it stopped before the crawl began "
                "(a refused spider argument or setting; its error is in scrapyd's own log)"
            )
        raise JobFailed(f"job {job} finished, but scrapyd keeps no job logs (logs_dir), so its outcome is unknown")
    why = outcome(log_tail(client, log_url))
    if why:
        raise JobFailed(f"job {job} failed: {why} (log: {client.url.rstrip('/')}{log_url})")


class Command(BaseRunSpiderCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[-a province=P] [-a years=Y] [--db PATH] [--target NAME] [--url URL] [--wait]"

    def short_desc(self) -> str:
        return "Schedule a province_reports crawl on scrapyd (for cron / systemd timers)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--target", default="default", help="scrapy.cfg deploy target (default: [deploy])")
        parser.add_argument("--url", default=None, help="scrapyd URL (default: $SCRAPYD_URL, else the target's url)")
        parser.add_argument("--project", default=None, help="scrapyd project (default: the target's project)")
        parser.add_argument(
            "--password-file",
            default=None,
            help="read the scrapyd password from this file (default: $SCRAPYD_PASSWORD_FILE, $SCRAPYD_PASSWORD)",
        )
        parser.add_argument("--db", default=None, help="REPORTS_DB of the job, a path on the scrapyd host")
        parser.add_argument(
            "--job-setting",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="another setting for the job (repeatable)",
        )
        parser.add_argument(
            "--wait", action="store_true", help="wait until the job has finished; exit 1 if the crawl failed"
        )
        parser.add_argument("--timeout", type=float, default=6 * 3600, help="seconds --wait waits (default: 6 h)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        target = deploy_target(opts.target)
        url = opts.url or os.environ.get("SCRAPYD_URL") or target.get("url")
        if not url:
            raise UsageError("no scrapyd URL: pass --url, set SCRAPYD_URL or a [deploy] url in scrapy.cfg")
        project = opts.project or target.get("project") or "reports"
        username = os.environ.get("SCRAPYD_USERNAME") or target.get("username")
        password_file = opts.password_file or os.environ.get("SCRAPYD_PASSWORD_FILE")
        password: str | None
        if password_file:
            password = read_password(password_file)
        else:
            password = os.environ.get("SCRAPYD_PASSWORD") or target.get("password")
        settings = dict(s.split("=", 1) for s in opts.job_setting)
        if opts.db:
            settings["REPORTS_DB"] = opts.db
        client = ScrapydClient(url.rstrip("/"), username, password)
        data = [("setting", f"{k}={v}") for k, v in settings.items()] + list(opts.spargs.items())
        try:
            job = call("schedule.json", client, "schedule", project, SPIDER, data)
            print(f"Scheduled {SPIDER} {dict(opts.spargs)} on {url} project {project}: job {job}")
            if opts.wait:
                check_finished_job(client, job, wait(client, project, job, opts.timeout))
                print(f"Job {job} finished")
        except ScrapydError as exc:
            raise UsageError(str(exc)) from None
        except JobFailed as exc:
            print(str(exc), file=sys.stderr)
            self.exitcode = 1
