"""A word-frequency language model to rank candidate mojibake repairs.

Built from the dictionary that ships with the ``jieba`` package (349k
words with their counts in a general Chinese corpus), so it knows report
language without having been fitted to our seed pages.  A text scores the
log-probability of its best segmentation into dictionary words (a unigram
word model, as jieba's own cutter uses), plus a reward per character so
that texts of different lengths compare: a cut that loses one character
but turns ``曳豆理`` back into ``范管理`` wins because 管理 is a word and 曳,
豆 are unlikely single characters.

Loading costs ~0.5 s of CPU and ~65 MB (a 342k-word table), so it
happens once per process and only when a run with a trace of damage needs
ranking.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from pathlib import Path

import opencc

MAX_WORD = 4
# Costs are -log(p) in quarter nats, small ints (shared by CPython).
SCALE = 4
# Reward per character covered: about the cost of an average character,
# so a plausible text scores near zero whatever its length.
CHAR_REWARD = 9 * SCALE
UNKNOWN_COST = 20 * SCALE  # a hanzi the dictionary never saw
HAN_RUN_RE = re.compile(r"[\u3400-\u9fff]+")
# Sentence punctuation scores like a typical character of fluent text, so
# that a cut is not preferred for turning 《 into a hanzi.
PUNCTUATION = 4.0
PUNCTUATION_RE = re.compile("[，。、；：？！“”（）《》〔〕]")


def _jieba_dictionary() -> Path:
    """jieba's dict.txt, found without importing jieba: its __init__ imports the deprecated
    pkg_resources, whose warning would reach a worker process's stderr (only the data is used)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba (its dict.txt is the mojibake repair's word list) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


@functools.cache
def word_costs() -> dict[str, int]:
    """Word → cost (-log p × SCALE), words of up to MAX_WORD characters."""
    counts: dict[str, int] = {}
    with _jieba_dictionary().open(encoding="utf-8") as lines:
        for line in lines:
            word, count, _ = line.split(" ", 2)
            if len(word) <= MAX_WORD:
                counts[word] = int(count)
    log_total = math.log(sum(counts.values()))
    return {word: round((log_total - math.log(n)) * SCALE) for word, n in counts.items()}


@functools.cache
def _simplifier() -> opencc.OpenCC:
    return opencc.OpenCC("tw2s")


def han_score(run: str) -> int:
    """Best segmentation score of a run of hanzi (higher is more plausible)."""
    costs = word_costs()
    best = [0] * (len(run) + 1)
    for end in range(1, len(run) + 1):
        value = best[end - 1] + CHAR_REWARD - costs.get(run[end - 1], UNKNOWN_COST)
        for size in range(2, min(MAX_WORD, end) + 1):
            cost = costs.get(run[end - size : end])
            if cost is not None:
                candidate = best[end - size] + size * CHAR_REWARD - cost
                if candidate > value:
                    value = candidate
        best[end] = value
    return best[-1]


def score(text: str) -> float:
    """Plausibility of `text` as report language, in nats (higher is better).

    Traditional text is scored through its Simplified form (the dictionary
    is Simplified).  Only hanzi and sentence punctuation are scored here;
    the caller judges the other characters.

    >>> score("著力范管理") > score("著力曳豆理")
    True
    """
    punctuation = PUNCTUATION * len(PUNCTUATION_RE.findall(text))
    runs = HAN_RUN_RE.findall(text)
    if not runs:
        return punctuation
    joined = "\n".join(runs)
    simple = _simplifier().convert(joined)
    if len(simple) == len(joined):  # OpenCC maps characters one to one here
        runs = simple.split("\n")
    return punctuation + sum(han_score(run) for run in runs) / SCALE
