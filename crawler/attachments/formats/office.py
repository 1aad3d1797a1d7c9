"""Legacy office files (.doc, .wps, .et) → OOXML with LibreOffice headless.

LibreOffice is the one converter here that reads all three (antiword and
catdoc read .doc only, lose table structure, and catdoc needs a charset
guess for Chinese).  Each run gets a private profile directory
(``-env:UserInstallation``) so concurrent conversions never share the
profile lock, a wall-clock timeout, and a size cap on what it is given.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from crawler.attachments.render import AttachmentError

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # no annual report is larger; bigger files are refused unread
TIMEOUT = 60.0  # seconds for one conversion, LibreOffice's start-up (~2 s) included
SOFFICE_NAMES = ("soffice", "libreoffice")


def soffice() -> str | None:
    """Path of the LibreOffice binary, if installed."""
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def convert(body: bytes, source_ext: str, target: str, *, infilter: str, timeout: float = TIMEOUT) -> bytes:
    """`body` (a file of extension `source_ext`) converted by LibreOffice to `target` ("docx", "xlsx", …).

    `infilter` names LibreOffice's import filter ("MS Word 97"): without it a
    file no filter recognises is imported as plain text, garbage and all.
    Raises :class:`AttachmentError` with a named reason: ``too large``,
    ``converter missing``, ``converter timed out``, ``converter failed``.
    """
    if len(body) > MAX_BYTES:
        raise AttachmentError(f"{source_ext} too large: {len(body)} bytes > {MAX_BYTES}")
    binary = soffice()
    if binary is None:
        raise AttachmentError(f"{source_ext} converter missing: LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="reports-soffice-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        source = work / f"in.{source_ext}"
        source.write_bytes(body)
        out_dir = work / "out"
        profile = (work / "profile").as_uri()
        command = [
            binary,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            f"--infilter={infilter}",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "HOME": tmp, "SAL_USE_VCLPLUGIN": "svp"}
        # Its own session, so a timeout kills LibreOffice's whole process group
        # (oosplash and soffice.bin), not just the launcher.
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tmp,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AttachmentError(f"{source_ext} converter timed out after {timeout:g} s (LibreOffice)") from exc
        result = out_dir / f"in.{target.split(':')[0]}"
        if proc.returncode != 0 or not result.exists() or result.stat().st_size == 0:
            detail = (stderr or stdout).decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1][:200] if detail else f"exit {proc.returncode}, no output"
            raise AttachmentError(f"{source_ext} converter failed (LibreOffice): {reason}")
        logger.debug("LibreOffice converted %d bytes of %s to %s", len(body), source_ext, target)
        return result.read_bytes()
