"""Run the fixture server in a subprocess, as Scrapy's own tests run theirs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from fixture_server.serve import FIXTURES

# The directory holding the fixture_server package: the child imports it from here.
PACKAGE_PARENT = Path(__file__).resolve().parent.parent


class FixtureServer:
    """The fixture server in a subprocess, for as long as the ``with`` block runs.

    Used as ``with FixtureServer() as fx: fx.sites["trs_funing"]``, which gives
    a base URL such as ``http://127.0.0.1:40123``.  Faults are handed to the
    server in a file written to `workdir` (else a temporary directory), never
    into the fixtures tree.
    """

    def __init__(
        self,
        root: str | Path = FIXTURES,
        faults: list[dict[str, Any]] | None = None,
        log_path: str | Path | None = None,
        workdir: str | Path | None = None,
    ):
        self.root = Path(root).resolve()
        self.faults = faults or []
        self.log_path = Path(log_path).resolve() if log_path else None
        self.workdir = Path(workdir) if workdir else None
        self.sites: dict[str, str] = {}
        self.proc: subprocess.Popen[str] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> FixtureServer:
        cmd = [sys.executable, "-m", "fixture_server", "--root", str(self.root)]
        if self.faults:
            if self.workdir is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="fixture-server-")
            faults_file = Path(self._tmp.name if self._tmp else str(self.workdir)) / ".fixture-faults.json"
            faults_file.write_text(json.dumps(self.faults), "utf-8")
            cmd += ["--faults", str(faults_file)]
        if self.log_path:
            cmd += ["--log", str(self.log_path)]
        pythonpath = os.pathsep.join(p for p in (str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": pythonpath}
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.kill()
            self._cleanup()
            raise RuntimeError("fixture server did not start")
        self.sites = json.loads(line)["sites"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def requests(self) -> list[dict[str, str]]:
        """Every request the sites received, in order (needs `log_path`)."""
        if not self.log_path or not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text("utf-8").splitlines()]
