"""pyproject.toml, requirements.txt and requirements.lock.txt agree.

pyproject.toml is what installs; requirements.txt is its readable list; the
lock is what scripts/setup.sh installs with --require-hashes.  A pin changed
in one place only would silently install something else.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins(specs: list[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for spec in specs:
        req = Requirement(spec)
        (only,) = req.specifier  # exactly one specifier ...
        assert only.operator == "==", spec  # ... and it is an exact pin
        pins[canonicalize_name(req.name)] = only.version
    return pins


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    specs = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        specs += group
    return _pins(specs)


def _lock() -> dict[str, tuple[str, int]]:
    """Locked name -> (version, number of hashes)."""
    entries: dict[str, tuple[str, int]] = {}
    name = ""
    for line in (ROOT / "requirements.lock.txt").read_text("utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            req = Requirement(line.rstrip(" \\"))
            name = canonicalize_name(req.name)
            (only,) = req.specifier
            entries[name] = (only.version, 0)
        elif line.strip().startswith("--hash=sha256:"):
            version, hashes = entries[name]
            entries[name] = (version, hashes + 1)
    return entries


def test_requirements_txt_lists_exactly_the_pyproject_pins() -> None:
    lines = (ROOT / "requirements.txt").read_text("utf-8").splitlines()
    listed = _pins([line for line in lines if line.strip() and not line.startswith("#")])
    assert listed == _pyproject_pins()


def test_every_direct_pin_is_the_locked_version() -> None:
    lock = _lock()
    locked = {name: lock[name][0] for name in _pyproject_pins() if name in lock}
    assert locked == _pyproject_pins()


def test_every_locked_package_carries_a_hash() -> None:
    lock = _lock()
    assert len(lock) > len(_pyproject_pins())  # the lock holds the transitive set too
    assert [name for name, (_, hashes) in lock.items() if hashes == 0] == []
