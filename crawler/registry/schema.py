"""The shape of a portal registry file, and its validation.

`REGISTRY_SCHEMA` is a JSON Schema (draft 2020-12) for the YAML document:
``version``, ``portals`` (one entry per portal column) and the bookkeeping
lists ``not_yet_grounded`` and ``thin`` (provinces whose own provincial column
is not in the registry: a list of slugs, or a mapping of slug to a note saying
what the stored public pages show instead). `validate_registry` checks a loaded
document against it, then checks what a schema cannot say (known province,
option names per CMS, a compilable link pattern, unique ids), and raises
`RegistryError` naming the file, the entry and the field:

    <source>: portal 'zhejiang-gov': field 'evidence.url': not an http(s) URL

An entry needs only ``id``, ``name``, ``province`` and ``start_urls``; ``cms``
defaults to ``static``. ``evidence`` is optional here (a user's own registry
need not carry it); the bundled registry's tests require it. ``allowed_hosts``
lists hosts besides those of the start URLs that the portal's pages may lead
the crawler to (a separate attachment host, a www. alias); every other host
is refused (crawler/security/hosts.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from crawler.registry import RegistryError
from crawler.registry.provinces import PROVINCES, province_slug

logger = logging.getLogger(__name__)

LEVELS = ("province", "city", "county", "township", "department")
CMS_NAMES = ("static", "trs", "hanweb", "json", "browser")
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
URL_PATTERN = r"^https?://[^\s/]+\S*$"
# A start URL may begin with a {site:name} placeholder the loader fills in
# (tests and demos point entries at the local fixture server this way).
START_URL_PATTERN = r"^(https?://[^\s/]+|\{site:[A-Za-z0-9_.-]+\})\S*$"
# An allowed_hosts entry: a host name or IP address, optionally with :port; no
# scheme, path, user or wildcard (each host the portal may use is listed).
HOST_PATTERN = r"^(\[[0-9A-Fa-f:.]+\]|[^\s/:@?#\[\]*]+)(:[0-9]{1,5})?$"

# Options every listing adapter reads, and those only one family understands.
COMMON_OPTIONS = ("list_selector", "link_pattern", "render", "max_pages", "max_links")
# ?page=N query pagers and per-year columns (crawler/cms/static.py)
STATIC_PAGER_OPTIONS = ("page_param", "first_page", "column_pattern")
CMS_OPTIONS: dict[str, tuple[str, ...]] = {
    "static": (*COMMON_OPTIONS, *STATIC_PAGER_OPTIONS),
    "trs": (*COMMON_OPTIONS, "past_static"),
    "browser": (*COMMON_OPTIONS, *STATIC_PAGER_OPTIONS),
    "hanweb": (*COMMON_OPTIONS, "columnid", "unitid", "webid", "perpage", "webname", "appid", "proxy_path"),
    "json": (),  # JSON list APIs vary per portal: any option is passed through
}

_ID_OR_NUMBER = {"type": ["string", "integer"], "pattern": r"^\S+$"}

PORTAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "province", "start_urls"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "name": {"type": "string", "minLength": 1},
        "province": {"type": "string", "minLength": 1},
        "level": {"enum": list(LEVELS)},
        "cms": {"enum": list(CMS_NAMES)},
        "start_urls": {
            "type": ["array", "string"],
            "pattern": START_URL_PATTERN,
            "minItems": 1,
            "items": {"type": "string", "pattern": START_URL_PATTERN},
        },
        "options": {
            "type": ["object", "null"],
            "properties": {
                "list_selector": {"type": "string", "minLength": 1},
                "link_pattern": {"type": "string", "minLength": 1},
                "render": {"type": "boolean"},
                "max_links": {"type": ["integer", "string"], "pattern": r"^[1-9][0-9]*$", "minimum": 1},
                "columnid": _ID_OR_NUMBER,
                "unitid": _ID_OR_NUMBER,
                "webid": _ID_OR_NUMBER,
                "webname": {"type": "string"},
                "appid": _ID_OR_NUMBER,
                "perpage": {"type": ["integer", "string"], "pattern": r"^[1-9][0-9]*$", "minimum": 1},
            },
        },
        "allowed_hosts": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "pattern": HOST_PATTERN},
        },
        "evidence": {
            "type": "object",
            "required": ["url", "observed", "source"],
            "additionalProperties": False,
            "properties": {
                "url": {"type": "string", "pattern": URL_PATTERN},
                "observed": {"type": "string", "format": "date"},
                "source": {"type": "string", "minLength": 1},
            },
        },
        "note": {"type": "string"},
    },
}

REGISTRY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Portal registry of 政府信息公开工作年度报告 columns",
    "type": "object",
    "required": ["portals"],
    "properties": {
        "version": {"const": 1},
        "observed_with": {"type": "string"},
        # A user's registry may list thin provinces by slug; the bundled one maps each
        # slug to a note saying what the stored public pages show instead of the column.
        "thin": {
            "type": ["array", "object"],
            "items": {"type": "string"},
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        "not_yet_grounded": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["province", "reason"],
                "additionalProperties": False,
                "properties": {
                    "province": {"type": "string"},
                    "reason": {"type": "string", "minLength": 1},
                },
            },
        },
        "portals": {"type": "array", "items": PORTAL_SCHEMA},
    },
}

# Plain words for the schema keywords whose stock message is unhelpful.
_PATTERN_PROBLEMS = {
    ID_PATTERN: "must be lowercase letters, digits and single hyphens ([a-z0-9-]+)",
    URL_PATTERN: "not an http(s) URL",
    START_URL_PATTERN: "not an http(s) URL (or {site:name}/path placeholder)",
    HOST_PATTERN: "not a host (files.example.gov.cn or files.example.gov.cn:8080; no scheme, path or wildcard)",
}


def _plain(value: Any) -> Any:
    """YAML reads an unquoted 2024-03-31 as a date: validate it as its ISO string."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _field_name(path: Iterable[Any]) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")


def _problem(error: ValidationError) -> str:
    if error.validator == "pattern":
        return _PATTERN_PROBLEMS.get(str(error.validator_value), f"does not match {error.validator_value!r}")
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "format":
        return f"{error.instance!r} is not a date (YYYY-MM-DD)"
    if error.validator in ("minLength", "minItems"):
        return "must not be empty"
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected}, got {type(error.instance).__name__}"
    return error.message


def _locate(error: ValidationError, data: Any, source: str) -> str:
    """'<source>: portal <id>: field <field>: <problem>' for one schema error."""
    path = list(error.absolute_path)
    problem = _problem(error)
    field = path
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in (error.instance or {})]
        field = [*path, missing[0] if missing else "?"]
        problem = "missing"
    elif error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        field = [*path, extra[0] if extra else "?"]
        problem = f"unknown field; known: {', '.join(sorted(allowed))}"
    if len(field) >= 2 and field[0] == "portals" and isinstance(field[1], int):
        entry = data["portals"][field[1]]
        pid = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else f"#{field[1]}"
        rest = _field_name(field[2:]) or "entry"
        return f"{source}: portal {pid!r}: field {rest!r}: {problem}"
    if len(field) >= 2 and field[0] == "not_yet_grounded" and isinstance(field[1], int):
        rest = _field_name(field[2:]) or "entry"
        return f"{source}: not_yet_grounded #{field[1]}: field {rest!r}: {problem}"
    return f"{source}: field {_field_name(field) or 'document'!r}: {problem}"


def _sort_key(error: ValidationError) -> tuple[str, ...]:
    return tuple(f"{p:08d}" if isinstance(p, int) else p for p in error.absolute_path)


def _check_entry(entry: dict[str, Any], source: str, seen: set[str]) -> None:
    """What the schema cannot express, for one well-formed entry."""
    pid = entry["id"]

    def fail(field: str, problem: str) -> None:
        raise RegistryError(f"{source}: portal {pid!r}: field {field!r}: {problem}")

    if pid in seen:
        fail("id", "duplicate")
    seen.add(pid)
    try:
        province_slug(entry["province"])
    except KeyError:
        fail("province", f"unknown province {entry['province']!r}; use one of: {', '.join(PROVINCES)}")
    cms = entry.get("cms", "static")
    options = entry.get("options") or {}
    known = CMS_OPTIONS[cms]
    if known:
        for key in options:
            if key not in known:
                fail(f"options.{key}", f"not an option of cms {cms!r}; known: {', '.join(known)}")
    for n, host in enumerate(entry.get("allowed_hosts") or []):
        port = host.rsplit(":", 1)[1] if not host.endswith("]") and ":" in host else None
        if port is not None and not 0 < int(port) < 65536:
            fail(f"allowed_hosts[{n}]", f"port {port} is out of range (1-65535)")
    pattern = options.get("link_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            fail("options.link_pattern", f"not a valid regular expression: {exc}")


def thin_notes(data: dict[str, Any]) -> dict[str, str | None]:
    """Thin province slug -> its note (None in the old list form, which carries none)."""
    thin = data.get("thin") or {}
    if isinstance(thin, dict):
        return {str(name): note for name, note in thin.items()}
    return dict.fromkeys(thin)


def validate_registry(data: dict[str, Any], source: str) -> None:
    """Raise RegistryError for the first problem in a loaded registry document."""
    if not isinstance(data, dict):
        raise RegistryError(f"{source}: expected a mapping with a 'portals' list, got {type(data).__name__}")
    plain = _plain(data)
    validator = Draft202012Validator(REGISTRY_SCHEMA, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(plain), key=_sort_key)
    if errors:
        raise RegistryError(_locate(errors[0], plain, source))
    seen: set[str] = set()
    for entry in plain["portals"]:
        _check_entry(entry, source, seen)
    for n, item in enumerate(plain.get("not_yet_grounded") or []):
        try:
            province_slug(item["province"])
        except KeyError:
            raise RegistryError(
                f"{source}: not_yet_grounded #{n}: field 'province': unknown province {item['province']!r}"
            ) from None
    for name in thin_notes(plain):
        try:
            province_slug(name)
        except KeyError:
            raise RegistryError(f"{source}: field 'thin': unknown province {name!r}") from None
    logger.debug("%s: %d portals valid", source, len(plain["portals"]))


__all__ = ["CMS_NAMES", "CMS_OPTIONS", "LEVELS", "REGISTRY_SCHEMA", "RegistryError", "thin_notes", "validate_registry"]
