"""One fixture portal as served: its files, headers, redirects, Hanweb records, faults.

Each directory under ``<root>/sites/`` is one portal.  Its ``site.yaml`` gives
the response headers per URL-path glob (so a page can carry a charset, none,
or a wrong one, as the real portal does), redirects, an anti-bot challenge,
and for Hanweb sites the records behind the ``dataproxy.jsp`` POST endpoint.
A :class:`Fault` makes matching requests misbehave (5xx, slow responses,
truncated bodies, connection resets) so retries meet the real Scrapy engine.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import yaml

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
    kind: str  # status | reset | truncate | slow | trickle (a byte every `delay` seconds)
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
    routes: list[dict[str, Any]] = field(default_factory=list)  # answers chosen by method and parameters
    # ``behind: <site>``: this site is a portal's home in front of another fixture site's
    # column, on the same host: what this site does not answer itself, that site answers.
    behind: str | None = None
    behind_site: Site | None = None  # set by the server once every site is loaded

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
            routes=list(conf.get("routes") or []),
            behind=conf.get("behind"),
        )

    def answers(self, method: str, path: str, query: dict[str, list[str]], body: bytes, content_type: str) -> bool:
        """True when this site itself has an answer for the request (else the site behind it may)."""
        if path in self.redirects or self.resolve(path) is not None:
            return True
        if method == "POST" and path == DATAPROXY_PATH and self.dataproxy:
            return True
        return self.route_for(method, path, query, body, content_type) is not None

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

    def route_for(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes, content_type: str
    ) -> tuple[dict[str, str], bytes] | None:
        """The answer of the first ``routes`` entry matching this request, or None.

        ``routes: [{path: glob, method: GET|POST|*, params: {name: value|"*"},
        file: _dir/answer.json, template: bool, headers: {...}}]`` serves
        query pagers (``list.jsp?cur_page=2``), ASP.NET postbacks and JSON
        list APIs (GET query, POST form or JSON body): ``params`` must all
        equal the request's query, form or JSON-body values.  With
        ``template``, ``{{name}}`` in the file becomes that parameter's value
        and ``{{name+1}}`` the value plus one (an API that never ends).
        """
        values = {k: v[0] for k, v in query.items() if v}
        values["request_path"] = path  # {{request_path}}: a page that differs by URL alone
        if body and "json" in (content_type or ""):
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict):
                values.update({str(k): str(v) for k, v in data.items()})
        elif body:
            values.update({k: v[0] for k, v in parse_qs(body.decode("latin-1")).items() if v})
        for route in self.routes:
            if not fnmatch.fnmatchcase(path, str(route["path"])):
                continue
            if str(route.get("method", "*")).upper() not in ("*", method):
                continue
            wanted = {str(k): str(v) for k, v in (route.get("params") or {}).items()}
            if any(name not in values or (want != "*" and values[name] != want) for name, want in wanted.items()):
                continue
            file = self.root / str(route["file"])
            payload = file.read_bytes()
            if route.get("template"):
                payload = _fill(payload, values)
            headers = {str(k): str(v) for k, v in (route.get("headers") or {}).items()} or self.headers_for(path, file)
            return headers, payload
        return None


def _fill(payload: bytes, values: dict[str, str]) -> bytes:
    def repl(match: re.Match[bytes]) -> bytes:
        name, plus = match.group(1).decode(), match.group(2)
        value = values.get(name, "")
        if plus:
            value = str(int(value) + int(plus)) if value.isdigit() else value
        return value.encode("utf-8")

    return re.sub(rb"\{\{([A-Za-z_][\w$]*)(?:\+(\d+))?\}\}", repl, payload)
