"""Choose a page's encoding: what the response declares, judged by evidence.

w3lib reads the declarations (the BOM, the HTTP ``Content-Type`` charset, the
``<meta>``/XML declaration) and resolves their labels: GB2312 and GBK as
GB18030 (a superset: pages labelled GB2312 routinely use GBK characters),
Big5 as Big5-HKSCS, Latin labels as windows-1252.  Our own code is only what
no library does for Chinese pages: judging a declaration by the text it gives
and detecting the encoding when it fails (here), and repairing GBK mojibake
(:mod:`crawler.text.mojibake`).

A declaration is trusted when it decodes cleanly and the text is plausible
Chinese; when it gives decode errors or implausible text (Big5 read as GBK
decodes without a single error), the candidate with the fewest errors and the
best plausibility wins, and the reason says so.  :func:`choose_encoding` is
that rule; the HTTP path decodes with it and the browser path
(:mod:`crawler.browser.documents`) tells Chromium what it chose.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from crawler.budgets import check, current
from crawler.text import charsets, mojibake, script

# Chinese labels of the WHATWG Encoding Standard that Python's codec registry
# (and so w3lib) does not know, and Big5's Windows code page read as the
# superset, as w3lib reads Big5.
EXTRA_LABELS = {
    "x-gbk": "gb18030",
    "windows-936": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312": "gb18030",
    "x-x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "unicode-1-1-utf-8": "utf-8",
}
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
# w3lib scans this much of the body for a declaration.
DECLARATION_BYTES = 4096
# w3lib returns the codec a declaration resolves to, not its spelling; the
# reason quotes the response's own label, found with these patterns.
HEADER_LABEL_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
BODY_LABEL_RE = re.compile(
    r"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)|<\?xml[^>]+?encoding\s*=\s*[\"']?([\w.:-]+)", re.I
)
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


@dataclass(frozen=True)
class Declaration:
    """One charset declaration of a response."""

    source: str  # "http-header" or "meta"
    label: str  # as the response spells it
    encoding: str | None  # the Python codec; None for a label nobody knows


@dataclass(frozen=True)
class Choice:
    """The encoding :func:`choose_encoding` picked, why, and the body decoded with it."""

    encoding: str
    reason: str
    text: str


def normalise_label(label: str | None) -> str | None:
    """Python codec for a declared charset label, None if unknown.

    >>> normalise_label("GB2312"), normalise_label("x-gbk"), normalise_label("BIG5")
    ('gb18030', 'gb18030', 'big5hkscs')
    """
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    return text_encoding(EXTRA_LABELS.get(key) or resolve_encoding(key))


def text_encoding(name: str | None) -> str | None:
    """`name` when it is a codec that decodes bytes to text; None for zlib, hex, base64, rot13 ….

    >>> text_encoding("gb18030"), text_encoding("zlib_codec"), text_encoding("rot13")
    ('gb18030', None, None)
    """
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return name if getattr(info, "_is_text_encoding", True) else None


def _spelling(pattern: re.Pattern[str], text: str, encoding: str | None) -> str | None:
    """The label in `text` that names `encoding` (the first label when `encoding` is None)."""
    for match in pattern.finditer(text):
        label = match.group(match.lastindex or 1)
        if encoding is None or normalise_label(label) == encoding:
            return label
    return None


def declarations(body: bytes, content_type: str | None) -> list[Declaration]:
    """What the response declares, HTTP header first (a BOM aside: see :func:`choose_encoding`).

    w3lib finds and resolves each declaration.  A label it cannot resolve is
    looked up in :data:`EXTRA_LABELS`, else kept as unknown, so the reason can
    say so.

    >>> [(d.source, d.label, d.encoding) for d in declarations(b'<meta charset="BIG5">', "text/html; charset=GB2312")]
    [('http-header', 'GB2312', 'gb18030'), ('meta', 'BIG5', 'big5hkscs')]
    >>> declarations(b"<p>no declaration</p>", "text/html; charset=foo")
    [Declaration(source='http-header', label='foo', encoding=None)]
    """
    head = body[:DECLARATION_BYTES].decode("latin-1")
    found = []
    for source, pattern, text, read in (
        ("http-header", HEADER_LABEL_RE, content_type or "", http_content_type_encoding(content_type)),
        ("meta", BODY_LABEL_RE, head, html_body_declared_encoding(head)),
    ):
        encoding = normalise_label(read)
        label = _spelling(pattern, text, encoding)
        if encoding is None:
            # Nothing w3lib could resolve: a label it does not know, or none at all.
            if label is None or resolve_encoding(label) is not None:
                continue
            encoding = normalise_label(label)
        found.append(Declaration(source, label or str(encoding), encoding))
    return found


@dataclass
class _Trial:
    encoding: str
    text: str
    errors: int
    plausibility: float


# Codecs whose strict decoder never yields a code point U+DC80-U+DCFF (checked
# over their whole byte space): a strict decode with them has no errors.
SURROGATE_FREE = frozenset({"utf-8", "gb18030", "big5hkscs", "cp1252"})


def _trial(body: bytes, encoding: str, strict: str | None = None) -> _Trial:
    """`body` decoded with `encoding`: its errors (runs of undecodable bytes) and plausibility.

    A strict decode first (`strict`, when the caller made it): it is the
    same text when it succeeds, and then there is nothing to count (a regex
    over a 100 KB page to find no surrogate costs ~2 ms).
    """
    text = strict if strict is not None else _strict(body, encoding)
    if text is None:
        text = body.decode(encoding, "surrogateescape")
        errors = len(mojibake.SURROGATE_RE.findall(text))
    else:
        errors = 0 if encoding in SURROGATE_FREE else len(mojibake.SURROGATE_RE.findall(text))
    sample = charsets.non_ascii(text[:SAMPLE_CHARS])
    plausibility = 1.0 if not sample else 1 - charsets.suspicious_count(sample) / len(sample)
    return _Trial(encoding, text, errors, plausibility)


def _strict(body: bytes, encoding: str) -> str | None:
    """`body` decoded with `encoding`, None when it does not decode."""
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        return None


def _clean(trial: _Trial) -> bool:
    return trial.errors == 0 and trial.plausibility >= MIN_PLAUSIBLE


def _describe(trial: _Trial) -> str:
    if trial.errors:
        return f"{trial.errors} decode errors"
    return f"implausible text ({trial.plausibility:.0%} common characters)"


def _describe_ok(trial: _Trial) -> str:
    if trial.errors:
        return f"fewest errors ({trial.errors}), {trial.plausibility:.0%} common"
    return "clean" if trial.plausibility >= MIN_PLAUSIBLE else f"{trial.plausibility:.0%} common"


def choose_encoding(body: bytes, content_type: str | None = None) -> Choice:
    """The charset rule: a BOM, else a declaration the text bears out, else the best evidence.

    >>> choose_encoding("年报".encode("gbk"), "text/html").encoding
    'gb18030'
    >>> choose_encoding("<p>年报</p>".encode(), "text/html; charset=gbk").reason
    'detected: http-header said gbk but implausible text (33% common characters); utf-8 clean'
    """
    return _choose(body, content_type)[0]


def _choose(body: bytes, content_type: str | None) -> tuple[Choice, bool]:
    """:func:`choose_encoding`, and whether the text has no decode errors."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        text = body[len(bom) :].decode(bom_encoding, "replace")
        return Choice(bom_encoding.removesuffix("-le").removesuffix("-be"), "bom", text), False
    declared = declarations(body, content_type)
    trials: dict[str, _Trial] = {}

    def trial(encoding: str) -> _Trial:
        if encoding not in trials:
            trials[encoding] = _trial(body, encoding)
        return trials[encoding]

    notes: list[str] = []
    for d in declared:
        if d.encoding is None:
            notes.append(f"{d.source} said unknown {d.label}")
            continue
        result = trial(d.encoding)
        if _clean(result) and d.encoding != "cp1252":
            reason = "detected: " + "; ".join(notes) + f"; {d.source} {d.label.lower()} clean" if notes else d.source
            return Choice(result.encoding, reason, result.text), True
        notes.append(f"{d.source} said {d.label.lower()} but {_describe(result)}")
    known = [d.encoding for d in declared if d.encoding]
    candidates: list[_Trial] = []
    for encoding in [*FALLBACKS, *known]:
        if encoding in trials or all(c.errors for c in candidates):
            candidates.append(trial(encoding))
        elif (decoded := _strict(body, encoding)) is not None:
            trials[encoding] = _trial(body, encoding, decoded)
            candidates.append(trials[encoding])
        # else: it has errors and an earlier candidate has none, which ranks
        # first whatever the plausibility: judging it (decoding every error
        # and counting them) would change nothing.
    best = min(candidates, key=lambda t: (t.errors > 0, -t.plausibility, t.errors))
    # A declared codec that is merely damaged (a few errors, plausible text)
    # beats an undeclared one: the repair afterwards handles damage.
    for encoding in known:
        if encoding != "cp1252":
            own = trial(encoding)
            if own.plausibility >= MIN_PLAUSIBLE and own.plausibility >= best.plausibility - 0.05:
                best = own
                break
    if not declared:
        reason = f"detected: no declaration; {best.encoding} {_describe_ok(best)}"
    else:
        reason = "detected: " + "; ".join(notes) + f"; {best.encoding} {_describe_ok(best)}"
    return Choice(best.encoding, reason, best.text), best.errors == 0


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page by :func:`choose_encoding` and repair its mojibake.

    A body over ``HTML_MAX_BYTES`` is refused before any of that
    (:class:`~crawler.budgets.BudgetExceeded`): parsing it would cost ~25
    times its size in memory.
    """
    check(len(body), current().html_max_bytes, "HTML_MAX_BYTES", f"page is {len(body)} bytes")
    choice, clean = _choose(body, content_type)
    if choice.reason == "bom":
        return Decoded(choice.text, choice.encoding, choice.reason)
    text = choice.text
    # The script is told by hanzi, and the repair looks for traces among the
    # non-ASCII characters: the markup is dropped once, for both.
    if clean and choice.encoding == "utf-8":  # valid UTF-8 minus its ASCII bytes is valid UTF-8
        rare = body.translate(None, charsets.ASCII_BYTES).decode("utf-8")
    else:
        rare = charsets.non_ascii(text)
    sample = SAMPLE_CHARS * 5
    page_script = script.detect_script(rare[: len(rare) - charsets.non_ascii_count(text[sample:])])
    html, repairs = mojibake.repair_text(text, choice.encoding, page_script, rare=rare)
    return Decoded(html, choice.encoding, choice.reason, repairs)
