"""Chinese full-text search: a character-bigram FTS5 index that holds no text.

A trigram index cannot match a word shorter than three characters, and most
Chinese words have two (卫生, 黄岩).  ``reports_search`` indexes every pair
of adjacent characters instead, so a word of any length n >= 2 is the phrase
of its n-1 bigrams, which matches exactly where the word is printed; a
single character is not a word it can find (:func:`match_query` refuses it).
It is the only full-text index: the trigram ``reports_fts`` of earlier
databases, 3.7x its size and unable to find two-character words, is dropped
by migration ``v8_compact_store``.  The table keeps only the index, never a
second copy of the text: its content is the ``reports`` table (external
content, so ``SELECT COUNT(*)`` and tools that scan every table work).  What
it indexes are the bigrams, not the columns as stored, so FTS5's
``'rebuild'`` command must never be run on it (it would index the raw text);
:func:`reindex_all` is the rebuild.  The quoting ``content='reports'`` is
deliberate: Datasette would take a table's search box from an FTS table
declared ``content="reports"`` and send it the raw words, which this index
cannot match beyond two characters; Datasette searches through the canned
query ``search`` instead.

SQLite cannot split text into bigrams inside a trigger (no loops without a
CTE, and a Python function would break every connection that lacks it), so
the triggers of migration ``v3_search`` only queue what changed, in
``search_queue``, with the indexed title and text of a changed row (FTS5
needs them to remove that row's terms).  :func:`index_pending` brings the
index up to date; the store calls it at the end of a crawl, ``scrapy
search`` and the Datasette plugin before they search.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import sqlite_utils

logger = logging.getLogger(__name__)

SEARCH_TABLE = "reports_search"
QUEUE_TABLE = "search_queue"
# Runs of letters and digits: a bigram never spans punctuation or a space.
_RUN = re.compile(r"[^\W_]+")

_UNQUEUED = " WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE rowid = {0}.rowid)"
CREATE_STATEMENTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5"
    "(title, text, content='reports', columnsize=0, tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TABLE IF NOT EXISTS {QUEUE_TABLE} (rowid INTEGER PRIMARY KEY, title TEXT, text TEXT)",
    # The first queued version of a row is the one the index holds: a row
    # inserted since the last indexing holds nothing (NULL), a changed or
    # deleted one its old title and text.  WHERE NOT EXISTS keeps the first
    # (not OR IGNORE: the outer statement's conflict clause would override it).
    f"CREATE TRIGGER IF NOT EXISTS reports_search_queue_insert AFTER INSERT ON reports BEGIN "
    f"INSERT INTO {QUEUE_TABLE} (rowid) SELECT new.rowid{_UNQUEUED.format('new')}; END",
    f"CREATE TRIGGER IF NOT EXISTS reports_search_queue_update AFTER UPDATE OF title, text ON reports BEGIN "
    f"INSERT INTO {QUEUE_TABLE} (rowid, title, text) SELECT old.rowid, old.title, old.text{_UNQUEUED.format('old')}; END",
    f"CREATE TRIGGER IF NOT EXISTS reports_search_queue_delete AFTER DELETE ON reports BEGIN "
    f"INSERT INTO {QUEUE_TABLE} (rowid, title, text) SELECT old.rowid, old.title, old.text{_UNQUEUED.format('old')}; END",
)


def _runs(text: str | None) -> Iterator[str]:
    """Lower-cased, width-folded runs of letters and digits."""
    yield from _RUN.findall(unicodedata.normalize("NFKC", text or "").lower())


def bigrams(text: str | None) -> str:
    """The terms a text is indexed under: its bigrams, a lone character as itself.

    >>> bigrams("黄岩区，卫生")
    '黄岩 岩区 卫生'
    >>> bigrams("A 2021年")
    'a 20 02 21 1年'
    """
    terms: list[str] = []
    for run in _runs(text):
        terms.extend([run] if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
    return " ".join(terms)


def match_query(words: str) -> str:
    """The FTS5 query for `words`: each run of two or more characters as a phrase of its bigrams, all required.

    Raises ValueError when no run has two characters (a single character is
    not a word the index can find).

    >>> match_query("卫生健康")
    '"卫生 生健 健康"'
    >>> match_query("黄岩 卫生")
    '"黄岩" AND "卫生"'
    """
    phrases = [f'"{bigrams(run)}"' for run in _runs(words) if len(run) >= 2]
    if not phrases:
        raise ValueError(f"search words need at least two letters or characters: {words!r}")
    return " AND ".join(phrases)


def create(db: sqlite_utils.Database) -> None:
    """Create the index, its queue and triggers, and index every report (migration v3)."""
    for statement in CREATE_STATEMENTS:
        db.execute(statement)
    db.execute(f"INSERT OR IGNORE INTO {QUEUE_TABLE} (rowid) SELECT rowid FROM reports")
    index_pending(db)


def reindex_all(db: sqlite_utils.Database) -> int:
    """Rebuild ``reports_search`` from scratch (in place of FTS5's 'rebuild', which would index raw text)."""
    db.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('delete-all')")
    db.execute(f"DELETE FROM {QUEUE_TABLE}")
    db.execute(f"INSERT INTO {QUEUE_TABLE} (rowid) SELECT rowid FROM reports")
    return index_pending(db)


def index_pending(db: sqlite_utils.Database) -> int:
    """Bring ``reports_search`` up to date with ``reports``; return how many rows changed.

    Idempotent and cheap when nothing is queued.  Safe to call inside or
    outside a transaction (it uses a savepoint).
    """
    if not db[QUEUE_TABLE].exists():
        return 0
    queued = db.execute(f"SELECT rowid, title, text FROM {QUEUE_TABLE} ORDER BY rowid").fetchall()
    if not queued:
        return 0
    conn = db.conn
    conn.execute("SAVEPOINT search_index")
    try:
        for rowid, old_title, old_text in queued:
            if old_title is not None or old_text is not None:
                conn.execute(
                    f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                    (rowid, bigrams(old_title), bigrams(old_text)),
                )
            row = conn.execute("SELECT title, text FROM reports WHERE rowid = ?", (rowid,)).fetchone()
            if row is not None:
                conn.execute(
                    f"INSERT INTO {SEARCH_TABLE} (rowid, title, text) VALUES (?, ?, ?)",
                    (rowid, bigrams(row[0]), bigrams(row[1])),
                )
            conn.execute(f"DELETE FROM {QUEUE_TABLE} WHERE rowid = ?", (rowid,))
        conn.execute("RELEASE search_index")
    except BaseException:
        conn.execute("ROLLBACK TO search_index")
        conn.execute("RELEASE search_index")
        raise
    if not conn.in_transaction:
        conn.commit()
    logger.info("Search index: %d report(s) re-indexed", len(queued))
    return len(queued)


@dataclass(frozen=True)
class Hit:
    report_id: str
    report_year: int | None
    title: str | None
    url: str


SEARCH_SQL = (
    "SELECT r.report_id, r.report_year, r.title, r.url FROM "
    f"{SEARCH_TABLE} s JOIN reports r ON r.rowid = s.rowid WHERE {SEARCH_TABLE} MATCH ? "
    "ORDER BY r.report_year DESC, r.title, r.report_id"
)


def search(db: sqlite_utils.Database, words: str) -> list[Hit]:
    """Reports whose title or text contains every word in `words` (ValueError for a word too short)."""
    query = match_query(words)
    try:
        index_pending(db)
    except sqlite3.OperationalError as exc:  # a read-only file: search what is indexed
        logger.warning("Search index not brought up to date: %s", exc)
    return [Hit(*row) for row in db.execute(SEARCH_SQL, [query])]


def index_bytes(db: sqlite_utils.Database, prefix: str) -> int:
    """Bytes the shadow tables of the FTS5 table `prefix` take (their pages, via dbstat)."""
    row = db.execute(
        "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE ? ESCAPE '\\'",
        [prefix.replace("_", "\\_") + "\\_%"],
    ).fetchone()
    return int(row[0])
