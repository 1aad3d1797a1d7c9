"""The registry schema: what a valid entry is, and errors that name entry and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.registry import RegistryError, load_registry
from crawler.registry.schema import REGISTRY_SCHEMA, thin_notes, validate_registry

GOOD: dict[str, Any] = {
    "id": "zhejiang-example",
    "name": "浙江某市人民政府 政府信息公开年报",
    "province": "zhejiang",
    "level": "city",
    "cms": "hanweb",
    "start_urls": ["https://www.example.gov.cn/col/col1229/index.html"],
    "options": {"columnid": 1229, "perpage": 15, "link_pattern": r"/art/\d{4}/"},
    "evidence": {
        "url": "https://www.example.gov.cn/art/2023/1/20/art_1229_5.html",
        "observed": "2023-01-20",
        "source": "search:pages",
    },
    "note": "column derived from the report URL",
}


def registry(*entries: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"version": 1, "portals": list(entries), **top}


def broken(**changes: Any) -> dict[str, Any]:
    """GOOD with fields replaced; a value of ... deletes the field. Dotted keys reach into mappings."""
    entry = copy.deepcopy(GOOD)
    for key, value in changes.items():
        *parents, last = key.split("__")
        target = entry
        for parent in parents:
            target = target[parent]
        if value is ...:
            del target[last]
        else:
            target[last] = value
    return entry


def test_schema_is_a_draft_2020_12_json_schema():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(REGISTRY_SCHEMA)


def test_full_entry_validates():
    validate_registry(registry(GOOD), "test.yaml")


def test_minimal_static_entry_validates():
    minimal = {"id": "x", "name": "X 年报", "province": "浙江", "start_urls": "http://x.gov.cn/nb/"}
    validate_registry(registry(minimal), "test.yaml")


def test_start_url_may_use_a_site_placeholder():
    validate_registry(registry(broken(start_urls=["{site:zj}/col/col1229/index.html"])), "test.yaml")


def test_unquoted_yaml_date_is_accepted_as_observed_date():
    text = yaml.safe_dump(registry(GOOD), allow_unicode=True).replace("'2023-01-20'", "2023-01-20")
    data = yaml.safe_load(text)
    assert not isinstance(data["portals"][0]["evidence"]["observed"], str)
    validate_registry(data, "test.yaml")


@pytest.mark.parametrize(
    ("entry", "field", "problem"),
    [
        (broken(name=...), "name", "missing"),
        (broken(start_urls=...), "start_urls", "missing"),
        (broken(id="Zhejiang_Example"), "id", "lowercase"),
        (broken(level="village"), "level", "not one of"),
        (broken(cms="wordpress"), "cms", "not one of"),
        (broken(province="atlantis"), "province", "unknown province"),
        (broken(start_urls=["ftp://example.gov.cn/nb/"]), "start_urls[0]", "not an http(s) URL"),
        (broken(start_urls=[]), "start_urls", "must not be empty"),
        (broken(evidence__url="www.example.gov.cn/art/1.html"), "evidence.url", "not an http(s) URL"),
        (broken(evidence__observed="20 Jan 2023"), "evidence.observed", "not a date"),
        (broken(evidence__observed="2023-02-30"), "evidence.observed", "not a date"),
        (broken(evidence__source=...), "evidence.source", "missing"),
        (broken(options={"render": "yes"}), "options.render", "expected boolean"),
        (broken(options={"perpage": 0}), "options.perpage", ""),
        (broken(options={"link_pattern": "art_(\\d+"}), "options.link_pattern", "not a valid regular expression"),
        (broken(cms="trs", options={"columnid": 5}), "options.columnid", "not an option of cms 'trs'"),
        (broken(homepage="https://x.gov.cn/"), "homepage", "unknown field"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_broken_entry_error_names_entry_and_field(entry, field, problem):
    ok = broken(id="beijing-ok", province="beijing")
    with pytest.raises(RegistryError) as info:
        validate_registry(registry(ok, entry), "mine.yaml")
    message = str(info.value)
    assert message.startswith(f"mine.yaml: portal {entry['id']!r}: field {field!r}: "), message
    assert problem in message


def test_entry_without_id_is_named_by_position():
    with pytest.raises(RegistryError, match=r"portal '#1': field 'id': missing"):
        validate_registry(registry(GOOD, broken(id=...)), "mine.yaml")


def test_duplicate_id_is_an_error_on_the_second_entry():
    with pytest.raises(RegistryError, match=r"portal 'zhejiang-example': field 'id': duplicate"):
        validate_registry(registry(GOOD, copy.deepcopy(GOOD)), "mine.yaml")


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ([GOOD], r"expected a mapping"),
        ({"version": 1}, r"field 'portals': missing"),
        ({"version": 2, "portals": []}, r"field 'version'"),
        (
            registry(GOOD, not_yet_grounded=[{"province": "atlantis", "reason": "x"}]),
            r"not_yet_grounded #0: field 'province': unknown province",
        ),
        (registry(GOOD, not_yet_grounded=[{"province": "xizang"}]), r"not_yet_grounded #0: field 'reason': missing"),
        (registry(GOOD, thin=["atlantis"]), r"field 'thin': unknown province"),
        (registry(GOOD, thin={"atlantis": "searched; found nothing"}), r"field 'thin': unknown province 'atlantis'"),
        (registry(GOOD, thin={"anhui": ""}), r"field 'thin\.anhui': must not be empty"),
        (registry(GOOD, thin={"anhui": 3}), r"field 'thin\.anhui': expected string, got int"),
        (registry(GOOD, thin="anhui"), r"field 'thin': expected array or object, got str"),
    ],
)
def test_broken_document_error_names_the_field(data, pattern):
    with pytest.raises(RegistryError, match=pattern):
        validate_registry(data, "mine.yaml")


def test_thin_may_be_a_list_of_slugs_or_a_mapping_of_slug_to_note():
    validate_registry(registry(GOOD, thin=["anhui", "xizang"]), "mine.yaml")
    validate_registry(registry(GOOD, thin={"anhui": "searched the portal; found only city columns"}), "mine.yaml")
    assert thin_notes(registry(GOOD, thin=["anhui"])) == {"anhui": None}
    assert thin_notes(registry(GOOD, thin={"anhui": "only city columns"})) == {"anhui": "only city columns"}
    assert thin_notes(registry(GOOD)) == {}


def test_loading_a_broken_registry_file_reports_file_entry_and_field(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(registry(broken(level="village")), allow_unicode=True), "utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(str(path))
    assert str(info.value).startswith(f"{path}: portal 'zhejiang-example': field 'level': ")


def test_loading_a_valid_registry_file_gives_portals(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(registry(GOOD), allow_unicode=True), "utf-8")
    (portal,) = load_registry(str(path)).portals
    assert (portal.id, portal.province, portal.level, portal.cms) == ("zhejiang-example", "zhejiang", "city", "hanweb")
    assert portal.option("columnid") == 1229
