"""checker/_catalogue.py: policies/core.yaml parsed at build time, never stale."""

from __future__ import annotations

import yaml

from checker import _catalogue, policy, resources


def test_the_generated_catalogue_module_is_a_fresh_parse_of_core_yaml() -> None:
    # Fails when core.yaml changed without `python -m checker.policy` (the module would be ignored).
    path = resources.policies_dir() / "core.yaml"
    raw = path.read_bytes()
    assert raw == _catalogue.SOURCE, "run `python -m checker.policy`"
    assert yaml.load(raw, Loader=yaml.SafeLoader) == _catalogue.DATA
    assert policy.CATALOGUE_MODULE.read_text(encoding="utf-8") == policy.catalogue_module_text(path)


def test_a_core_yaml_the_module_was_not_made_from_is_parsed_afresh(tmp_path) -> None:
    edited = tmp_path / "core.yaml"
    text = (resources.policies_dir() / "core.yaml").read_text(encoding="utf-8")
    edited.write_text(text.replace("The aipolicy v1 rule catalogue.", "Edited."), encoding="utf-8")
    assert policy._builtin_data(edited)["description"] == "Edited."
    assert policy._builtin_data(resources.policies_dir() / "core.yaml") is _catalogue.DATA


def test_the_generated_schema_is_a_fresh_parse_of_the_v1_schema_file(tmp_path, monkeypatch) -> None:
    # The v1 manifest schema is read at every start; from the generated module (no json import)
    # only while it was made from the file's very bytes, else from the file.
    import json

    from checker import schema

    raw = resources.schema_path("v1").read_bytes()
    assert raw == _catalogue.SCHEMA_SOURCE, "run `python -m checker.policy`"
    assert json.loads(raw) == _catalogue.SCHEMA
    schema.load_schema.cache_clear()
    assert schema.load_schema("v1") is _catalogue.SCHEMA
    edited = tmp_path / "ai-production.v1.schema.json"
    edited.write_bytes(raw.replace(b'"title"', b'"x-edited": true, "title"', 1))
    monkeypatch.setattr(resources, "schema_path", lambda version: edited)
    schema.load_schema.cache_clear()
    try:
        fresh = schema.load_schema("v1")
        assert fresh is not _catalogue.SCHEMA and fresh.get("x-edited") is True
    finally:
        schema.load_schema.cache_clear()
