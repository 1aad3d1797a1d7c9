"""`scrapy schedule [-a province=P] [--db PATH] [--wait]`: run a crawl on scrapyd.

scrapyd has no timer.  This posts one job to its ``schedule.json`` (URL and
credentials from the environment or the ``[deploy]`` target in scrapy.cfg),
so cron or a systemd timer can start crawls (see ``deploy/``); ``--wait``
polls ``listjobs.json`` until the job has finished.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import time
import urllib.parse
import urllib.request
from typing import Any

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import get_config

SPIDER = "province_reports"


class ScrapydError(RuntimeError):
    """scrapyd refused a request or answered with an error."""


def deploy_target(name: str = "default") -> dict[str, str]:
    """The scrapy.cfg deploy target: ``[deploy]`` or ``[deploy:NAME]``, env vars expanded."""
    cfg = get_config()
    target = dict(cfg.items("deploy", raw=True)) if cfg.has_section("deploy") else {}
    if name != "default" and cfg.has_section(f"deploy:{name}"):
        target.update(cfg.items(f"deploy:{name}", raw=True))
    return {k: os.path.expandvars(v) for k, v in target.items()}


class Scrapyd:
    """The few scrapyd JSON endpoints we use, with HTTP basic auth."""

    def __init__(self, url: str, username: str | None = None, password: str | None = None, timeout: float = 30):
        self.url, self.timeout = url.rstrip("/") + "/", timeout
        self.auth = None
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            self.auth = f"Basic {token}"

    def call(self, endpoint: str, data: list[tuple[str, str]] | None = None, **params: str) -> dict[str, Any]:
        url = self.url + endpoint
        if params:
            url += "?" + urllib.parse.urlencode(params)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        if self.auth:
            request.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ScrapydError(f"{endpoint}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise ScrapydError(f"{endpoint}: cannot reach {self.url}: {exc.reason}") from None
        if answer.get("status") != "ok":
            raise ScrapydError(f"{endpoint}: {answer.get('message', answer)}")
        return answer

    def schedule(self, project: str, spider: str, settings: dict[str, str], args: dict[str, str]) -> str:
        data = [("project", project), ("spider", spider)]
        data += [("setting", f"{k}={v}") for k, v in settings.items()]
        data += list(args.items())
        return self.call("schedule.json", data)["jobid"]

    def job_state(self, project: str, job: str) -> str | None:
        jobs = self.call("listjobs.json", project=project)
        for state in ("pending", "running", "finished"):
            if any(j["id"] == job for j in jobs.get(state, [])):
                return state
        return None

    def wait(self, project: str, job: str, timeout: float, poll: float = 1.0) -> str:
        deadline = time.monotonic() + timeout
        while (state := self.job_state(project, job)) != "finished":
            if time.monotonic() > deadline:
                raise ScrapydError(f"job {job} still {state} after {timeout:.0f} s")
            time.sleep(poll)
        return state


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
        parser.add_argument("--db", default=None, help="REPORTS_DB of the job, a path on the scrapyd host")
        parser.add_argument(
            "--job-setting",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="another setting for the job (repeatable)",
        )
        parser.add_argument("--wait", action="store_true", help="wait until the job has finished")
        parser.add_argument("--timeout", type=float, default=6 * 3600, help="seconds --wait waits (default: 6 h)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        target = deploy_target(opts.target)
        url = opts.url or os.environ.get("SCRAPYD_URL") or target.get("url")
        if not url:
            raise UsageError("no scrapyd URL: pass --url, set SCRAPYD_URL or a [deploy] url in scrapy.cfg")
        project = opts.project or target.get("project") or "reports"
        username = os.environ.get("SCRAPYD_USERNAME") or target.get("username")
        password = os.environ.get("SCRAPYD_PASSWORD") or target.get("password")
        settings = dict(s.split("=", 1) for s in opts.job_setting)
        if opts.db:
            settings["REPORTS_DB"] = opts.db
        scrapyd = Scrapyd(url, username, password)
        try:
            job = scrapyd.schedule(project, SPIDER, settings, dict(opts.spargs))
            print(f"Scheduled {SPIDER} {dict(opts.spargs)} on {url} project {project}: job {job}")
            if opts.wait:
                scrapyd.wait(project, job, opts.timeout)
                print(f"Job {job} finished")
        except ScrapydError as exc:
            raise UsageError(str(exc)) from None
