"""Every command, custom setting and spider argument is documented in the README."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest
import scrapy.settings.default_settings as scrapy_defaults

import crawler.commands
import crawler.settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
COMMANDS = [m.name for m in pkgutil.iter_modules(crawler.commands.__path__)]
CUSTOM_SETTINGS = [
    name
    for name in dir(crawler.settings)
    if name.isupper()
    and not hasattr(scrapy_defaults, name)
    and name not in {"BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE", "COMMANDS_MODULE"}
]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_documented(command: str) -> None:
    assert f"scrapy {command}" in README


@pytest.mark.parametrize("setting", CUSTOM_SETTINGS)
def test_custom_setting_is_documented(setting: str) -> None:
    assert f"`{setting}`" in README


@pytest.mark.parametrize("argument", ["province", "portals", "years", "refresh", "discover"])
def test_spider_argument_is_documented(argument: str) -> None:
    assert f"`{argument}`" in README


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1].splitlines()[1:]  # skip the language tag
    commands = [line.split("#")[0].strip() for line in first_block if line.strip()]
    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert README.index("```") < 200, "the commands come first"
