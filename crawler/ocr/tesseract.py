"""Tesseract (Debian's tesseract-ocr + tesseract-ocr-chi-sim) run as a subprocess, TSV words back.

One process reads a whole batch of images (a list file), so the Chinese
model loads once per page rather than once per table cell.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from crawler.budgets import BudgetExceeded, Deadline

logger = logging.getLogger(__name__)

LANG = "chi_sim"
TIMEOUT = 120.0  # seconds for one batch when no deadline is given (a page's cells, or one page of text)
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")


class OcrError(RuntimeError):
    """Tesseract is missing, timed out or failed."""


@dataclass(frozen=True)
class Word:
    page: int  # 0-based index of the image in the batch
    block: int
    par: int
    line: int
    text: str
    confidence: float  # 0..1
    left: int
    top: int
    width: int
    height: int


def available(lang: str = LANG) -> bool:
    """True when the tesseract binary and the `lang` model are installed."""
    if shutil.which("tesseract") is None:
        return False
    prefix = os.environ.get("TESSDATA_PREFIX")
    dirs = (prefix, *TESSDATA_DIRS) if prefix else TESSDATA_DIRS
    return any(Path(d, f"{lang}.traineddata").exists() for d in dirs)


def parse_tsv(text: str) -> list[Word]:
    """Words (level 5 rows with text) of tesseract's TSV output."""
    words = []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        words.append(
            Word(
                int(row["page_num"]) - 1,
                int(row["block_num"]),
                int(row["par_num"]),
                int(row["line_num"]),
                row["text"].strip(),
                max(float(row["conf"]), 0.0) / 100.0,
                int(row["left"]),
                int(row["top"]),
                int(row["width"]),
                int(row["height"]),
            )
        )
    return words


def recognise(
    images: list[Path],
    *,
    psm: int = 6,
    lang: str = LANG,
    timeout: float = TIMEOUT,
    whitelist: str = "",
    deadline: Deadline | None = None,
) -> list[Word]:
    """OCR every image in one tesseract run; ``Word.page`` is the image's index in `images`.

    With a `deadline` (the image's or page's OCR budget) the run gets what
    is left of it, and running out is a :class:`~crawler.budgets.BudgetExceeded`
    naming the budget's setting; tesseract is killed either way.
    """
    if not images:
        return []
    if deadline is not None:
        deadline.check("before tesseract started")
        timeout = max(deadline.seconds - deadline.elapsed(), 0.001)
    if not available(lang):
        raise OcrError(f"tesseract or its {lang} model is not installed")
    listing = images[0].parent / f"batch-{psm}-{lang}.txt"
    listing.write_text("\n".join(str(p) for p in images) + "\n", encoding="utf-8")
    command = ["tesseract", str(listing), "stdout", "-l", lang, "--psm", str(psm), "-c", "tessedit_create_tsv=1"]
    if whitelist:
        command += ["-c", f"tessedit_char_whitelist={whitelist}"]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per run: the machine runs several crawls
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired as exc:
        if deadline is not None:
            raise BudgetExceeded(
                f"{deadline.what} took over {deadline.seconds:g} s (tesseract killed)",
                deadline.setting,
                deadline.seconds,
            ) from exc
        raise OcrError(f"tesseract timed out after {timeout:g} s") from exc
    if done.returncode != 0:
        raise OcrError(f"tesseract failed: {done.stderr.decode('utf-8', 'replace').strip()[-200:]}")
    return parse_tsv(done.stdout.decode("utf-8", "replace"))
