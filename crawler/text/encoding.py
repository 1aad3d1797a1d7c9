"""Choose a page's encoding from BOM, HTTP header, ``<meta>`` and evidence.

GB2312 and GBK declarations are read as GB18030 (a superset: pages labelled
GB2312 routinely use GBK characters), Big5 as Big5-HKSCS.  A declaration is
trusted when it decodes cleanly and the text is plausible Chinese; when it
gives decode errors or implausible text (Big5 read as GBK decodes without a
single error), the candidate with the fewest errors and the best
plausibility wins, and the reason says so.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from crawler.text import charsets, mojibake, script

ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "gb18030": "gb18030",
    "windows-936": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "csbig5": "big5hkscs",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    # Latin labels on Chinese pages are wrong more often than right: they
    # are read as windows-1252 but only kept when nothing else fits.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
}
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
META_CHARSET_RE = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
META_SCAN_BYTES = 16384
# Text whose non-ASCII characters are less plausible than this is not the
# page's real encoding.
MIN_PLAUSIBLE = 0.8
SAMPLE_CHARS = 20000


@dataclass
class Decoded:
    """A page decoded: text, codec, why, and the repairs made."""

    html: str
    encoding: str
    reason: str
    repairs: list[dict[str, Any]] = field(default_factory=list)


def normalise_label(label: str | None) -> str | None:
    """Python codec for a declared charset label, None if unknown.

    >>> normalise_label("GB2312"), normalise_label("x-gbk"), normalise_label("BIG5")
    ('gb18030', 'gb18030', 'big5hkscs')
    """
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in ALIASES:
        return ALIASES[key]
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return ALIASES.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    match = HEADER_CHARSET_RE.search(content_type or "")
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    match = META_CHARSET_RE.search(body[:META_SCAN_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


@dataclass
class _Trial:
    encoding: str
    text: str
    errors: int
    plausibility: float


def _trial(body: bytes, encoding: str) -> _Trial:
    text = body.decode(encoding, "surrogateescape")
    errors = len(mojibake.SURROGATE_RE.findall(text))
    sample = text[:SAMPLE_CHARS]
    non_ascii = charsets.non_ascii_count(sample)
    plausibility = 1.0 if non_ascii == 0 else 1 - charsets.suspicious_count(sample) / non_ascii
    return _Trial(encoding, text, errors, plausibility)


def _clean(trial: _Trial) -> bool:
    return trial.errors == 0 and trial.plausibility >= MIN_PLAUSIBLE


def _describe(trial: _Trial) -> str:
    if trial.errors:
        return f"{trial.errors} decode errors"
    return f"implausible text ({trial.plausibility:.0%} common characters)"


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode and repair a page; see the module docstring for the rules."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            html = body[len(bom) :].decode(encoding, "replace")
            return Decoded(
                html,
                encoding.replace("-le", "").replace("-be", "") if encoding.startswith("utf-16") else encoding,
                "bom",
            )
    header_label = header_charset(content_type)
    meta_label = meta_charset(body)
    declared = [
        (source, label, normalise_label(label))
        for source, label in (("http-header", header_label), ("meta", meta_label))
        if label
    ]
    trials: dict[str, _Trial] = {}

    def trial(encoding: str) -> _Trial:
        if encoding not in trials:
            trials[encoding] = _trial(body, encoding)
        return trials[encoding]

    chosen: _Trial | None = None
    reason = ""
    notes: list[str] = []
    for source, label, encoding in declared:
        if encoding is None:
            notes.append(f"{source} said unknown {label}")
            continue
        result = trial(encoding)
        if _clean(result) and encoding != "cp1252":
            chosen = result
            reason = "detected: " + "; ".join(notes) + f"; {source} {label.lower()} clean" if notes else source
            break
        notes.append(f"{source} said {label.lower()} but {_describe(result)}")
    if chosen is None:
        candidates = [trial(e) for e in FALLBACKS]
        candidates += [trial(e) for _, _, e in declared if e]
        best = min(candidates, key=lambda t: (t.errors > 0, -t.plausibility, t.errors))
        # A declared codec that is merely damaged (a few errors, plausible
        # text) beats an undeclared one: the repair below handles damage.
        for _, _, encoding in declared:
            if encoding and encoding != "cp1252":
                own = trial(encoding)
                if own.plausibility >= MIN_PLAUSIBLE and own.plausibility >= best.plausibility - 0.05:
                    best = own
                    break
        chosen = best
        if not declared:
            reason = f"detected: no declaration; {chosen.encoding} {_describe_ok(chosen)}"
        else:
            reason = "detected: " + "; ".join(notes) + f"; {chosen.encoding} {_describe_ok(chosen)}"
    page_script = script.detect_script(chosen.text[: SAMPLE_CHARS * 5])
    html, repairs = mojibake.repair_text(chosen.text, chosen.encoding, page_script)
    return Decoded(html, chosen.encoding, reason, repairs)


def _describe_ok(trial: _Trial) -> str:
    if trial.errors:
        return f"fewest errors ({trial.errors}), {trial.plausibility:.0%} common"
    return "clean" if trial.plausibility >= MIN_PLAUSIBLE else f"{trial.plausibility:.0%} common"
