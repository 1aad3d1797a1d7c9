"""The repository stands on its own: a clone with nothing beside it is complete.

No tracked file may point into a sibling checkout of the design notes (the
``shared`` directory next to this one), and every relative link in the
README and in ``docs/`` must lead to a file of this repository.  The
forbidden strings are built from parts so that this file does not match
itself.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIBLING = "shar" + "ed"
UP = ".."
# Ways a file could reach the sibling checkout: a relative path (either
# slash), its absolute path on this machine, or a pathlib join that climbs
# out of the tree (`ROOT.parent / "<sibling>"`).
SIBLING_STRINGS = (
    f"{UP}/{SIBLING}".encode(),
    f"{UP}\\{SIBLING}".encode(),
    str(ROOT.parent / SIBLING).encode(),
)
SIBLING_JOIN = re.compile(rb"\.parent\b[^\n]*[\"']" + SIBLING.encode() + rb"[\"']")
BINARY_SNIFF = 8000  # bytes git itself looks at to call a file binary


def sibling_references(data: bytes) -> list[str]:
    """Each line of `data` that refers to the sibling checkout (decoded for the message)."""
    found = []
    for line in data.splitlines():
        if any(s in line for s in SIBLING_STRINGS) or SIBLING_JOIN.search(line):
            found.append(line.decode("utf-8", "replace").strip()[:160])
    return found


def tracked_text_files() -> list[Path]:
    """Files git tracks that exist in the working tree and are not binary."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode("utf-8")
    files = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted or moved in the working tree, not yet committed
        with path.open("rb") as fh:
            if b"\0" in fh.read(BINARY_SNIFF):
                continue
        files.append(path)
    return files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"see " + SIBLING_STRINGS[0] + b"/DESIGN.md", 1),
        (b"SEEDS = ROOT.parent / '" + SIBLING.encode() + b"' / 'seeds'", 1),
        (b'Path(__file__).parent.parent.parent / "' + SIBLING.encode() + b'"', 1),
        (SIBLING_STRINGS[1] + b"\\spec", 1),
        (SIBLING_STRINGS[2] + b"/seeds", 1),
        (b"One uninterrupted crawl, " + SIBLING.encode() + b" by read-only tests", 0),
        (b"a shared dupefilter\nfixtures/tools/seeds", 0),
    ],
)
def test_sibling_reference_detector_on_examples(text: bytes, expected: int) -> None:
    assert len(sibling_references(text)) == expected


def test_no_tracked_file_refers_to_a_sibling_checkout() -> None:
    files = tracked_text_files()
    assert len(files) > 50, f"git ls-files found only {len(files)} text files under {ROOT}"
    offenders = {str(path.relative_to(ROOT)): refs for path in files if (refs := sibling_references(path.read_bytes()))}
    assert offenders == {}, "files pointing outside the repository:\n" + "\n".join(
        f"  {name}: {line}" for name, refs in offenders.items() for line in refs
    )


# ---------------------------------------------------------------------------
# Markdown links

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`+[^`\n]*`+")
INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def link_targets(markdown: str) -> list[str]:
    """Link targets of a Markdown text, outside code blocks and code spans."""
    prose = INLINE_CODE.sub("", FENCE.sub("", markdown))
    return [m.group(1) for m in INLINE_LINK.finditer(prose)] + [m.group(1) for m in REFERENCE_LINK.finditer(prose)]


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings (lower case, punctuation
    dropped, spaces to hyphens, ``-1``, ``-2`` for repeats)."""
    anchors: set[str] = set()
    for match in HEADING.finditer(FENCE.sub("", markdown)):
        text = re.sub(r"`([^`]*)`", r"\1", match.group(1)).lower()
        slug = "".join(
            ch for ch in text if ch in "-_ " or unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Mn"
        ).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    """Relative links of `doc` that lead nowhere inside `root` (the repository)."""
    problems = []
    text = doc.read_text("utf-8")
    for target in link_targets(text):
        if SCHEME.match(target):
            continue  # http:, https:, mailto: — not files of ours
        path_part, _, fragment = target.partition("#")
        dest = (doc.parent / path_part).resolve() if path_part else doc
        if not dest.is_relative_to(root):
            problems.append(f"{target}: outside the repository")
        elif not dest.exists():
            problems.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and fragment not in heading_anchors(dest.read_text("utf-8")):
            problems.append(f"{target}: no heading #{fragment} in {dest.relative_to(root)}")
    return problems


def test_link_extraction_on_examples() -> None:
    text = (
        'See [data](docs/data.md#tables), ![logo](img/a.png "Logo") and [site](https://example.org).\n'
        "`[not](a-link.md)` in code\n\n```\n[nor](this.md)\n```\n[ref]: docs/report-template.md\n"
    )
    assert link_targets(text) == ["docs/data.md#tables", "img/a.png", "https://example.org", "docs/report-template.md"]


def test_heading_anchors_follow_github() -> None:
    text = "# Data contract\n## `reports` — one row per report\n## 报告 模板\n## Data contract\n"
    assert heading_anchors(text) == {"data-contract", "reports--one-row-per-report", "报告-模板", "data-contract-1"}


def test_broken_links_are_found(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (tmp_path / "outside.md").write_text("# Outside\n", "utf-8")
    (repo / "docs" / "data.md").write_text("# Tables\n## `reports` table\n", "utf-8")
    (repo / "README.md").write_text(
        "[ok](docs/data.md#tables) [ok too](docs/data.md#reports-table) [self](#top)\n"
        "[gone](docs/nowhere.md) [bad anchor](docs/data.md#columns) [out](../outside.md)\n# Top\n",
        "utf-8",
    )
    assert broken_links(repo / "README.md", root=repo) == [
        "docs/nowhere.md: no such file",
        "docs/data.md#columns: no heading #columns in docs/data.md",
        "../outside.md: outside the repository",
    ]


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_relative_markdown_links_resolve(doc: Path) -> None:
    assert broken_links(doc) == []


def test_the_docs_named_in_the_issue_exist() -> None:
    assert {d.name for d in DOCS} >= {"README.md", "data.md", "report-template.md"}
