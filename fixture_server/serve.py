"""The fixture server process: one HTTP server per site on 127.0.0.1, exact headers.

``python -m fixture_server`` (from a checkout) prints one JSON line
``{"sites": {name: base_url}}`` and serves until killed; tests and the demo
start it through :class:`fixture_server.process.FixtureServer`.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fixture_server.site import DATAPROXY_PATH, Fault, Site

logger = logging.getLogger(__name__)

# The checkout's fixtures, found from this file (never from the working directory).
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


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
        query, ctype = parse_qs(split.query), self.headers.get("Content-Type") or ""
        if site.behind_site is not None and not site.answers(self.command, split.path, query, body, ctype):
            site = site.behind_site
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
        route = site.route_for(
            self.command, split.path, parse_qs(split.query), body, self.headers.get("Content-Type") or ""
        )
        if route is not None:
            return self._send(200, route[0], route[1], head)
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
        elif fault.kind == "trickle":  # slow loris: headers at once, then one byte every `delay` s
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(1_000_000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(fault.delay)
            except OSError:  # the client gave up: what a slow loris wants to see
                pass
            self.close_connection = True
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
    for server in servers.values():
        if server.site.behind:
            server.site.behind_site = servers[server.site.behind].site
    return servers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--root", default=str(FIXTURES), help="fixtures directory (holding sites/)")
    parser.add_argument("--faults", help="JSON list of faults: {path, kind, times, status, delay, site}")
    parser.add_argument("--log", help="append every request as a JSON line to this file")
    args = parser.parse_args(argv)
    servers = serve(Path(args.root), load_faults(args.faults), Path(args.log) if args.log else None)
    print(json.dumps({"sites": {name: s.base_url for name, s in servers.items()}}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
