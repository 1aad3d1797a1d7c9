"""Text a report shares with its body's previous report and with other bodies' reports.

A report's text is cut into sentences; the template's fixed wording (part
headings, table labels, the statutory sentences every report repeats),
numbers (which change each year even in copied text) and the body's own
name are taken out, and very short sentences dropped.  What remains is
compared as sets: ``text_reuse_prev_year`` is the share of a report's
sentences found in its body's report of the year before.  For other bodies,
a MinHash signature per report (datasketch, a well-kept library for this)
feeds an LSH index per year, so only likely matches are compared exactly,
never every pair.  ``foreign_name`` flags text that names another region's
body as the reporter: copied from its report and not edited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from crawler.parsing.bodies import _regions, body_name
from crawler.parsing.metadata import publisher_from_title, signature

NUM_PERM = 64
LSH_THRESHOLD = 0.2  # sentence-set Jaccard at which two reports are compared exactly
MIN_SENTENCE = 12  # characters: shorter sentences are headings, labels or fillers
SPLIT = re.compile(r"[。；;！!？?\n]")
DIGITS = re.compile(r"[0-9０-９]+(?:\.[0-9]+)?")
NOISE = re.compile(r"[\s　,，、:：()（）“”\"'《》【】]+")
# The template's own wording: part headings, table labels, the statutory framing sentences.
TEMPLATE = re.compile(
    r"^[一二三四五六七八九十（(]|总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况|"
    r"行政复议、行政诉讼情况|存在的主要问题及改进情况|其他需要报告的事项|本年新收|上年结转|结转下年度|"
    r"本报告.{0,20}(统计期限|数据统计|所列数据)|根据.{0,8}政府信息公开条例.{0,40}(编制|制定|发布)本报告|"
    r"现将.{0,30}报告如下|如对本报告有任何疑问|本报告的电子版|可在.{0,20}网站.{0,10}下载"
)
REPORTER = re.compile(r"(?:现将|本报告由|特编制|现公布)(?P<name>[^，。,]{2,30}?)(?:\d{4}年度?|本年度)?政府信息公开")


def sentence_key(sentence: str, own_names: Iterable[str] = ()) -> str | None:
    """The comparable form of one sentence, or None for template wording and short ones.

    >>> sentence_key("2023年，黄岩区共受理各类投诉举报1245件，办结率达99%", ["黄岩区"])
    '#年共受理各类投诉举报#件办结率达#%'
    """
    text = NOISE.sub("", sentence)
    if len(text) < MIN_SENTENCE or TEMPLATE.search(text):
        return None
    for name in own_names:
        if name:
            text = text.replace(name, "")
    text = DIGITS.sub("#", text)
    return text if len(text) >= MIN_SENTENCE else None


def sentence_keys(text: str, own_names: Iterable[str] = ()) -> dict[str, str]:
    """key → the sentence as printed (first occurrence), for every comparable sentence."""
    names = [n for n in own_names if n]
    keys: dict[str, str] = {}
    for raw in SPLIT.split(text or ""):
        key = sentence_key(raw, names)
        if key is not None:
            keys.setdefault(key, raw.strip())
    return keys


@dataclass(frozen=True)
class Reuse:
    """How much of a report's text another report (or set of them) holds."""

    share: float | None  # None when the report has no comparable sentence
    sentences: int
    shared: list[str]  # the shared passages as printed in this report


def reuse(mine: dict[str, str], other_keys: Iterable[str]) -> Reuse:
    """Share of ``mine`` (sentence keys) found among ``other_keys``."""
    others = set(other_keys)
    shared = [printed for key, printed in mine.items() if key in others]
    share = round(len(shared) / len(mine), 6) if mine else None
    return Reuse(share, len(mine), shared)


def signature_of(keys: Iterable[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest() for k in keys])
    return m


def signature_bytes(keys: Iterable[str]) -> bytes:
    """The MinHash signature as bytes, to store beside the report."""
    return signature_of(keys).hashvalues.astype("<u8").tobytes()


def minhash_from_bytes(blob: bytes) -> MinHash:
    import numpy as np

    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype="<u8").copy())


def lsh_index(signatures: Iterable[tuple[str, bytes]]) -> MinHashLSH:
    """An LSH index over (report_id, signature) pairs of one year."""
    index = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    with index.insertion_session() as session:
        for report_id, blob in signatures:
            session.insert(report_id, minhash_from_bytes(blob), check_duplication=False)
    return index


def foreign_names(text: str, own: str | None) -> list[dict[str, str]]:
    """Places where the text names another region's body as the reporter.

    Read: a report title printed inside the text, the signature that closes
    it, and 现将XX…政府信息公开 sentences.  A name whose region differs from
    the report's own body's region is foreign (a parent region is not: its
    name normalises to the same body, or carries no lower region).

    >>> foreign_names("现将武义县2023年政府信息公开工作年度报告如下", "黄岩区人民政府")
    [{'name': '武义县人民政府', 'sentence': '现将武义县2023年政府信息公开工作年度报告如下'}]
    >>> foreign_names("现将黄岩区2023年政府信息公开工作年度报告如下", "黄岩区人民政府")
    []
    """
    own = own or ""
    own_regions = _regions(own)
    if not own_regions:
        return []
    own_region = own_regions[-1]
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    candidates: list[tuple[str | None, str]] = []
    for line in lines[:6]:
        if line.endswith("报告") and len(line) <= 60 and "政府信息公开" in line and re.search(r"\d{4}\s*年", line):
            candidates.append((publisher_from_title(line), line))
    for sentence in SPLIT.split(text or ""):
        match = REPORTER.search(sentence)
        if match:
            candidates.append((match.group("name"), sentence.strip()))
    signed, _ = signature(text)
    if signed:
        candidates.append((signed, signed))
    found: list[dict[str, str]] = []
    for raw, where in candidates:
        name = body_name(raw)
        regions = _regions(name or "")
        if name and regions and regions[-1] != own_region and not own.startswith(regions[-1]):
            entry = {"name": name, "sentence": where[:300]}
            if entry not in found:
                found.append(entry)
    return found
