"""Load the portal registry: one entry per portal column, validated.

The bundled registry is package data read through importlib.resources, so it
works the same from a checkout, a wheel or a scrapyd egg.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from crawler.registry.provinces import PROVINCES, province_slug

logger = logging.getLogger(__name__)

LEVELS = ("province", "city", "county", "township", "department")
SITE_PLACEHOLDER = re.compile(r"\{site:([A-Za-z0-9_.-]+)\}")


class RegistryError(ValueError):
    """A registry file or entry is malformed; the message names entry and field."""


@dataclass(frozen=True)
class Portal:
    """One portal column that publishes annual reports."""

    id: str
    name: str
    province: str
    start_urls: tuple[str, ...]
    cms: str = "static"
    level: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] | None = None
    allowed_hosts: tuple[str, ...] = ()  # hosts besides the start URLs' (crawler/security/hosts.py)

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class Registry:
    portals: tuple[Portal, ...]
    not_yet_grounded: tuple[dict[str, Any], ...] = ()
    source: str = "bundled"

    def select(self, province: str | None = None, level: str | None = None, cms: str | None = None) -> list[Portal]:
        slug = province_slug(province) if province else None
        return [
            p
            for p in self.portals
            if (slug is None or p.province == slug)
            and (level is None or p.level == level)
            and (cms is None or p.cms == cms)
        ]


def _validate(data: Any, source: str) -> None:
    """Validate with the schema module when present, else the minimal contract."""
    validator: Callable[[Any, str], None] | None
    try:
        from crawler.registry.schema import validate_registry as validator
    except ImportError:  # pragma: no cover - schema module ships with the package
        validator = None
    if validator is not None:
        validator(data, source)
        return
    if not isinstance(data, dict) or not isinstance(data.get("portals"), list):
        raise RegistryError(f"{source}: expected a mapping with a 'portals' list")


def _substitute(url: str, base_urls: dict[str, str] | None, source: str, pid: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if not base_urls or m.group(1) not in base_urls:
            raise RegistryError(f"{source}: portal {pid!r}: field 'start_urls': no base URL given for {m.group(0)}")
        return base_urls[m.group(1)].rstrip("/")

    return SITE_PLACEHOLDER.sub(repl, url)


def parse_registry(data: Any, source: str, base_urls: dict[str, str] | None = None) -> Registry:
    """Turn loaded YAML into a Registry, raising RegistryError on bad entries."""
    _validate(data, source)
    portals: list[Portal] = []
    seen: set[str] = set()
    for n, entry in enumerate(data["portals"]):
        if not isinstance(entry, dict):
            raise RegistryError(f"{source}: entry #{n}: expected a mapping")
        for key in ("id", "name", "province", "start_urls"):
            if not entry.get(key):
                raise RegistryError(f"{source}: portal {entry.get('id') or f'#{n}'!r}: field {key!r}: missing")
        pid: str = entry["id"]
        if pid in seen:
            raise RegistryError(f"{source}: portal {pid!r}: field 'id': duplicate")
        seen.add(pid)
        try:
            province = province_slug(str(entry["province"]))
        except KeyError as exc:
            raise RegistryError(f"{source}: portal {pid!r}: field 'province': {exc.args[0]}") from None
        level = entry.get("level")
        if level is not None and level not in LEVELS:
            raise RegistryError(f"{source}: portal {pid!r}: field 'level': {level!r} not in {LEVELS}")
        urls = entry["start_urls"]
        if isinstance(urls, str):
            urls = [urls]
        urls = tuple(_substitute(u, base_urls, source, pid) for u in urls)
        for u in urls:
            if not u.startswith(("http://", "https://")):
                raise RegistryError(f"{source}: portal {pid!r}: field 'start_urls': not an http(s) URL: {u!r}")
        portals.append(
            Portal(
                id=pid,
                name=entry["name"],
                province=province,
                start_urls=urls,
                cms=entry.get("cms", "static"),
                level=level,
                options=dict(entry.get("options") or {}),
                evidence=entry.get("evidence"),
                allowed_hosts=tuple(entry.get("allowed_hosts") or ()),
            )
        )
    return Registry(tuple(portals), tuple(data.get("not_yet_grounded") or ()), source)


def load_registry(path: str | Path | None = None, base_urls: dict[str, str] | None = None) -> Registry:
    """Load the bundled registry, or the YAML file at `path` instead of it."""
    if path is None:
        text = (resources.files("crawler.registry") / "portals.yaml").read_text("utf-8")
        source = "bundled registry portals.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise RegistryError(f"cannot read registry {path}: {exc.strerror}") from None
        source = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{source}: not valid YAML: {exc}") from None
    return parse_registry(data, source, base_urls)


__all__ = ["LEVELS", "PROVINCES", "Portal", "Registry", "RegistryError", "load_registry", "parse_registry"]
