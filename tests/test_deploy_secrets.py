"""Deployment secrets: no working default password, and no password on a command line.

deploy/check_scrapyd.py (the scrapyd unit's ExecStartPre) reads the
configuration through scrapyd's own ``Config``, from the directory scrapyd
starts in, so these runs put the files where scrapyd itself would read them:
./scrapyd.conf (the shipped deploy/scrapyd.conf) and ~/.scrapyd.conf (the
secret, as /etc/scrapyd/conf.d/secret.conf would be; /etc is not ours to
write in a test).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SCRAPY

DEPLOY = ROOT / "deploy"
pytestmark = pytest.mark.skipif(
    Path("/etc/scrapyd").exists(), reason="/etc/scrapyd exists here: scrapyd (and the check) would read it too"
)


def check(home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPYD_")}
    return subprocess.run(
        [sys.executable, str(DEPLOY / "check_scrapyd.py")],
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        env={**environ, "HOME": str(home), **(env or {})},
    )


def scrapyd_home(tmp_path: Path, secret: str | None, mode: int = 0o600) -> Path:
    home = tmp_path / "scrapyd"
    home.mkdir()
    shutil.copy(DEPLOY / "scrapyd.conf", home / "scrapyd.conf")
    if secret is not None:
        path = home / ".scrapyd.conf"
        path.write_text(f"[scrapyd]\npassword = {secret}\n", "utf-8")
        path.chmod(mode)
    return home


def one_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_the_shipped_scrapyd_conf_alone_does_not_start_scrapyd(tmp_path: Path) -> None:
    assert "password" not in re.sub(r"(?m)^#.*$", "", (DEPLOY / "scrapyd.conf").read_text("utf-8"))
    assert "would run without authentication" in one_error(check(scrapyd_home(tmp_path, None)))


@pytest.mark.parametrize(
    ("secret", "mode", "message"),
    [
        ("change-me-please", 0o600, "is the placeholder 'change-me-please'"),
        ("short-one", 0o600, "is shorter than 16 characters"),
        ("a-long-enough-random-password-0123", 0o644, "is mode 0644: chmod 600"),
    ],
    ids=["old-placeholder", "short", "readable-by-others"],
)
def test_a_placeholder_short_or_readable_password_does_not_start_scrapyd(
    tmp_path: Path, secret: str, mode: int, message: str
) -> None:
    assert message in one_error(check(scrapyd_home(tmp_path, secret, mode)))


def test_the_placeholder_in_the_environment_is_refused_too(tmp_path: Path) -> None:
    home = scrapyd_home(tmp_path, "a-long-enough-random-password-0123")
    assert "placeholder" in one_error(check(home, {"SCRAPYD_PASSWORD": "change-me-please"}))


def test_new_secret_writes_one_random_password_to_both_files_mode_600_and_prints_nothing(tmp_path: Path) -> None:
    conf_d, etc = tmp_path / "conf.d", tmp_path / "etc-reports"
    made = [
        subprocess.run(
            ["sh", str(DEPLOY / "new-secret.sh")],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "SCRAPYD_CONF_D": str(conf_d), "REPORTS_ETC": str(etc), "REPORTS_USER": "root"},
        )
        for _ in range(2)
    ]
    assert all(m.returncode == 0 and m.stdout == "" for m in made), [m.stderr for m in made]
    secret_conf, password_file = conf_d / "secret.conf", etc / "scrapyd.pass"
    for path in (secret_conf, password_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = password_file.read_text("utf-8").strip()
    assert secret_conf.read_text("utf-8") == f"[scrapyd]\npassword = {password}\n"
    assert len(password) >= 32

    home = scrapyd_home(tmp_path, None)
    shutil.copy2(secret_conf, home / ".scrapyd.conf")  # where scrapyd reads it, mode kept
    accepted = check(home)
    assert accepted.returncode == 0, accepted.stderr
    assert password not in accepted.stdout + accepted.stderr


def test_no_password_on_a_command_line_in_the_deploy_files() -> None:
    crontab = (DEPLOY / "crontab").read_text("utf-8")
    jobs = [line for line in crontab.splitlines() if line and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(jobs) == 31
    assert all("/scrapy schedule -a province=" in job and " -u " not in job and "pass" not in job for job in jobs)
    assert "SCRAPYD_PASSWORD_FILE=/etc/reports/scrapyd.pass" in crontab
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text("utf-8")
        assert "SCRAPYD_PASSWORD=" not in text and "-u crawler" not in text, unit
    service = (DEPLOY / "systemd" / "scrapyd.service").read_text("utf-8")
    assert "ExecStartPre=/srv/reports/.venv/bin/python /srv/reports/deploy/check_scrapyd.py" in service
    assert "Environment=REPORTS_DATA_DIR=/var/lib/reports" in service
    assert "logs_dir     = /var/lib/reports/logs" in (DEPLOY / "scrapyd.conf").read_text("utf-8")


def test_schedule_with_an_unreadable_password_file_stops_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.pass"
    proc = subprocess.run(
        [SCRAPY, "schedule", "--url", "http://127.0.0.1:9", "--password-file", str(missing), "-a", "province=hebei"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"cannot read the scrapyd password file {missing}: No such file or directory" in proc.stderr
    assert "Traceback" not in proc.stderr
