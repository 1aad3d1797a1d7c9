"""Serve the fixture portals on 127.0.0.1, one port per site, with exact headers.

Each directory under ``<root>/sites/`` is one portal.  Its ``site.yaml`` gives
the response headers per URL-path glob (so a page can carry a charset, none,
or a wrong one, as the real portal does), redirects, and for Hanweb sites the
records behind the ``dataproxy.jsp`` POST endpoint.  Faults (5xx, slow
responses, truncated bodies, connection resets) are injected on request so
that retries can be tested against the real Scrapy engine.

Run ``python -m crawler.fixture_server --root fixtures``: it prints one JSON
line ``{"sites": {name: base_url}}`` and serves until killed.  Tests and the
demo use :class:`FixtureServer`, which does exactly that in a subprocess.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

logger = logging.getLogger(__name__)

DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
RECORD_RE = re.compile(rb"<record>.*?</record>", re.S)
DEFAULT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "text/xml",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".js": "application/javascript",
    ".css": "text/css",
    ".doc": "application/msword",
    ".json": "application/json",
}


@dataclass
class Fault:
    """Misbehave on requests matching `path`, `times` times per path (0 = always)."""

    path: str  # fnmatch glob on the URL path
    kind: str  # status | reset | truncate | slow
    times: int = 1
    status: int = 503
    delay: float = 5.0
    site: str = "*"
    hits: dict[str, int] = field(default_factory=dict)

    def take(self, site: str, path: str) -> bool:
        if not (fnmatch.fnmatchcase(site, self.site) and fnmatch.fnmatchcase(path, self.path)):
            return False
        key = f"{site}{path}"
        if self.times and self.hits.get(key, 0) >= self.times:
            return False
        self.hits[key] = self.hits.get(key, 0) + 1
        return True


@dataclass
class Site:
    """One fixture portal: its files, headers, redirects and Hanweb records."""

    name: str
    root: Path
    headers: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    redirects: dict[str, dict[str, Any]] = field(default_factory=dict)
    dataproxy: dict[str, Path] = field(default_factory=dict)
    challenge: dict[str, Any] | None = None  # anti-bot JS challenge (ops fixtures)

    @classmethod
    def load(cls, root: Path) -> Site:
        conf_path = root / "site.yaml"
        conf = yaml.safe_load(conf_path.read_text("utf-8")) if conf_path.exists() else {}
        conf = conf or {}
        return cls(
            name=root.name,
            root=root,
            headers=[
                (glob, {k: str(v) for k, v in (hdrs or {}).items()})
                for glob, hdrs in (conf.get("headers") or {}).items()
            ],
            redirects=dict(conf.get("redirects") or {}),
            dataproxy={str(col): root / rel for col, rel in (conf.get("hanweb_dataproxy") or {}).items()},
            challenge=conf.get("challenge"),
        )

    def headers_for(self, path: str, file: Path) -> dict[str, str]:
        for glob, hdrs in self.headers:
            if fnmatch.fnmatchcase(path, glob):
                return dict(hdrs)
        return {"Content-Type": DEFAULT_TYPES.get(file.suffix.lower(), "application/octet-stream")}

    def challenged(self, path: str, cookie_header: str) -> bool:
        """True when `path` is guarded by the challenge and the request lacks its cookie.

        ``challenge: {paths: glob, status: 412, cookie: "name=value", page: _file.html}``
        imitates the script-sets-cookie-and-reloads anti-bot walls of many portals.
        """
        conf = self.challenge
        if not conf or not fnmatch.fnmatchcase(path, str(conf.get("paths", "*"))):
            return False
        return str(conf["cookie"]) not in [c.strip() for c in cookie_header.split(";")]

    def resolve(self, path: str) -> Path | None:
        rel = unquote(path).lstrip("/")
        candidate = (self.root / rel).resolve()
        if not candidate.is_relative_to(self.root.resolve()):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if any(part.startswith("_") for part in candidate.relative_to(self.root.resolve()).parts):
            return None
        if candidate.name == "site.yaml" or not candidate.is_file():
            return None
        return candidate

    def dataproxy_body(self, query: dict[str, list[str]], form: dict[str, list[str]]) -> bytes | None:
        column = (form.get("columnid") or query.get("columnid") or [""])[0]
        records_file = self.dataproxy.get(column)
        if records_file is None:
            return None
        records = RECORD_RE.findall(records_file.read_bytes())
        total = len(records)
        perpage = int((query.get("perpage") or form.get("perpage") or ["15"])[0])
        start = max(1, int((query.get("startrecord") or ["1"])[0]))
        end = min(total, int((query.get("endrecord") or [str(start + perpage - 1)])[0]))
        pages = (total + perpage - 1) // perpage if perpage else 1
        picked = b"\n".join(records[start - 1 : end]) if start <= end else b""
        return (
            b'<?xml version="1.0" encoding="utf-8"?><datastore>'
            b"<totalrecord>%d</totalrecord><totalpage>%d</totalpage><recordset>\n%s\n"
            b"</recordset></datastore>" % (total, pages, picked)
        )


class FixtureHandler(BaseHTTPRequestHandler):
    """Answers like the portal would; the server carries `site`, `faults`, `log`."""

    server: SiteServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet: we keep our own log
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self, head: bool = False) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record(self.command, self.path, body)
        fault = self.server.fault_for(split.path)
        if fault is not None and self._inject(fault):
            return
        site = self.server.site
        if site.challenged(split.path, self.headers.get("Cookie") or ""):
            conf = site.challenge or {}
            return self._send(
                int(conf.get("status", 412)),
                {"Content-Type": "text/html; charset=utf-8"},
                (site.root / conf["page"]).read_bytes(),
                head,
            )
        if split.path in site.redirects:
            target = site.redirects[split.path]
            return self._send(
                int(target.get("status", 302)), {"Location": target["location"], "Content-Type": "text/html"}, b"", head
            )
        if self.command == "POST" and split.path == DATAPROXY_PATH:
            form = parse_qs(body.decode("latin-1"))
            payload = site.dataproxy_body(parse_qs(split.query), form)
            if payload is not None:
                return self._send(200, {"Content-Type": "text/xml;charset=UTF-8"}, payload, head)
        file = site.resolve(split.path)
        if file is None:
            return self._send(
                404, {"Content-Type": "text/html"}, b"<html><body><h1>404 Not Found</h1></body></html>", head
            )
        self._send(200, site.headers_for(split.path, file), file.read_bytes(), head)

    def _inject(self, fault: Fault) -> bool:
        """Apply a fault; return True when the request has been fully handled."""
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return False
        if fault.kind == "status":
            self._send(fault.status, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>")
        elif fault.kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif fault.kind == "truncate":
            file = self.server.site.resolve(urlsplit(self.path).path)
            data = file.read_bytes() if file else b"x" * 2048
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        return True

    def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool = False) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: Site, faults: list[Fault], log_path: Path | None, lock: threading.Lock):
        super().__init__(("127.0.0.1", 0), FixtureHandler)
        self.site, self.faults, self.log_path, self.lock = site, faults, log_path, lock

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Injected resets and truncations break pipes on purpose: log, don't print."""
        logger.debug("connection from %s ended abruptly: %s", client_address, sys.exc_info()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def fault_for(self, path: str) -> Fault | None:
        with self.lock:
            return next((f for f in self.faults if f.take(self.site.name, path)), None)

    def record(self, method: str, path: str, body: bytes) -> None:
        if self.log_path is None:
            return
        line = json.dumps(
            {"site": self.site.name, "method": method, "path": path, "body": body.decode("latin-1")}, ensure_ascii=False
        )
        with self.lock, self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def load_faults(path: str | Path | None) -> list[Fault]:
    if not path:
        return []
    return [Fault(**spec) for spec in json.loads(Path(path).read_text("utf-8"))]


def serve(root: Path, faults: list[Fault], log_path: Path | None) -> dict[str, SiteServer]:
    """Start one server thread per site; return them by site name."""
    lock = threading.Lock()
    servers: dict[str, SiteServer] = {}
    for site_dir in sorted(p for p in (root / "sites").iterdir() if p.is_dir()):
        server = SiteServer(Site.load(site_dir), faults, log_path, lock)
        threading.Thread(target=server.serve_forever, daemon=True, name=site_dir.name).start()
        servers[site_dir.name] = server
    return servers


class FixtureServer:
    """Run the fixture server in a subprocess, as Scrapy's own tests run theirs.

    Used as ``with FixtureServer("fixtures") as fx: fx.sites["trs_funing"]``,
    which gives a base URL such as ``http://127.0.0.1:40123``.
    """

    def __init__(
        self,
        root: str | Path = "fixtures",
        faults: list[dict[str, Any]] | None = None,
        log_path: str | Path | None = None,
        workdir: str | Path | None = None,
    ):
        self.root = Path(root).resolve()
        self.faults = faults or []
        self.log_path = Path(log_path) if log_path else None
        self.workdir = Path(workdir) if workdir else None
        self.sites: dict[str, str] = {}
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> FixtureServer:
        cmd = [sys.executable, "-m", "crawler.fixture_server", "--root", str(self.root)]
        if self.faults:
            faults_file = (self.workdir or self.root.parent) / ".fixture-faults.json"
            faults_file.write_text(json.dumps(self.faults), "utf-8")
            cmd += ["--faults", str(faults_file)]
        if self.log_path:
            cmd += ["--log", str(self.log_path)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.kill()
            raise RuntimeError("fixture server did not start")
        self.sites = json.loads(line)["sites"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)

    def requests(self) -> list[dict[str, str]]:
        """Every request the sites received, in order (needs `log_path`)."""
        if not self.log_path or not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text("utf-8").splitlines()]


def render_registry(source: str | Path, sites: dict[str, str], dest: str | Path) -> Path:
    """Write the fixture registry with each ``{site:name}`` replaced by its URL."""
    text = Path(source).read_text("utf-8")

    def repl(match: re.Match[str]) -> str:
        if match.group(1) not in sites:
            raise KeyError(f"{source}: no fixture site {match.group(1)!r} (have {', '.join(sites)})")
        return sites[match.group(1)]

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(re.sub(r"\{site:([A-Za-z0-9_.-]+)\}", repl, text), "utf-8")
    return dest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="fixtures", help="fixtures directory (holding sites/)")
    parser.add_argument("--faults", help="JSON list of faults: {path, kind, times, status, delay, site}")
    parser.add_argument("--log", help="append every request as a JSON line to this file")
    args = parser.parse_args(argv)
    servers = serve(Path(args.root), load_faults(args.faults), Path(args.log) if args.log else None)
    print(json.dumps({"sites": {name: s.base_url for name, s in servers.items()}}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
