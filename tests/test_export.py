"""`aipolicy export --format cyclonedx|model-card PATH`: the manifest as a CycloneDX 1.6
ML-BOM or a Markdown model card (checker/bom.py, checker/modelcard.py)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from conftest import REPO

from checker import manifest as manifest_mod
from checker.schema import validate

EXAMPLES = sorted(REPO.glob("examples/**/*ai-production.yaml"))


def _valid(path: Path) -> bool:
    loaded = manifest_mod.load(path.read_bytes(), str(path))
    return not isinstance(loaded, list) and not validate(loaded)


VALID_EXAMPLES = [p for p in EXAMPLES if _valid(p)]
INVALID_EXAMPLES = [p for p in EXAMPLES if not _valid(p)]


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket opened in the test fails it: the CycloneDX schemas must come from the package."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the export opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _props(component: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for prop in component.get("properties", []):
        out.setdefault(prop["name"], []).append(prop["value"])
    return out


def _model(bom: dict) -> dict:
    [model] = [c for c in bom["components"] if c["type"] == "machine-learning-model" and "modelCard" in c]
    return model


def test_the_shipped_examples_include_valid_and_invalid_manifests() -> None:
    assert len(VALID_EXAMPLES) >= 5
    assert INVALID_EXAMPLES


@pytest.mark.parametrize("path", VALID_EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_valid_example_exports_a_bom_that_validates_offline_and_maps_back(
    path: Path, cli, tmp_path: Path, no_network
) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    code, out, err = cli("export", "--format", "cyclonedx", str(path), cwd=tmp_path)
    assert (code, err) == (0, "")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out) is None
    bom = json.loads(out)
    data = manifest_mod.load(path.read_bytes(), str(path)).data
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    model = _model(bom)
    props = _props(model)
    assert model["name"] == data["system"]["name"]
    assert model.get("version") == data["system"].get("model_version")
    assert props["aipolicy:stage"] == [data["stage"]]
    assert props["aipolicy:system:id"] == [data["system"]["id"]]
    outcome = data.get("monitoring", {}).get("outcome_accuracy", {})
    metrics = model["modelCard"].get("quantitativeAnalysis", {}).get("performanceMetrics", [])
    if outcome.get("metric"):
        assert metrics[0]["type"] == outcome["metric"]
        if "last_measured" in outcome:
            assert float(metrics[0]["value"]) == outcome["last_measured"]["value"]
    business = data.get("business_metric", {})
    if "baseline" in business:
        assert {"type": business["name"], "value": str(business["baseline"]["value"])}.items() <= next(
            m for m in metrics if m.get("slice", "").startswith("business metric baseline")
        ).items()


def test_the_no_network_fixture_would_catch_a_connection(no_network) -> None:
    with pytest.raises(AssertionError, match="network"):
        socket.create_connection(("127.0.0.1", 9))


def test_the_regulation_fields_map_to_the_model_card_and_aipolicy_properties(cli, tmp_path: Path) -> None:
    path = REPO / "examples/production/recruiting-screener.ai-production.yaml"
    code, out, _ = cli("export", "--format", "cyclonedx", str(path), cwd=tmp_path)
    assert code == 0
    bom = json.loads(out)
    model = _model(bom)
    card = model["modelCard"]
    considerations = card["considerations"]
    assert considerations["users"] == ["Recruiters", "Hiring managers"]
    assert considerations["useCases"][0].startswith("Ranking applications")
    assert len(considerations["technicalLimitations"]) == 3
    assert considerations["ethicalConsiderations"][1] == {
        "name": "Automation bias, recruiters deferring to the ranking",
        "mitigationStrategy": "Recruiters see reason codes, not a pass/fail label, and review every application",
    }
    assert [f["groupAtRisk"] for f in considerations["fairnessAssessments"]] == ["gender", "age_band", "nationality"]
    assert card["modelParameters"] == {"approach": {"type": "supervised"}, "task": "classification"}
    assert {"type": "adverse_impact_ratio", "value": "0.87"}.items() <= card["quantitativeAnalysis"][
        "performanceMetrics"
    ][-1].items()
    props = _props(model)
    assert props["aipolicy:risk_tier"] == ["high"]
    assert props["aipolicy:eu_ai_act:role"] == ["deployer"]
    assert props["aipolicy:eu_ai_act:annex_iii_area"] == ["employment"]
    assert props["aipolicy:owner:technical"] == ["Nadia Haddad <nadia.haddad@acme-corp.io>"]
    assert props["aipolicy:logging:retention"] == ["P12M"]
    assert model["licenses"] == [{"license": {"name": "LicenseRef-Screenwise-Commercial"}}] or model["licenses"] == [
        {"expression": "LicenseRef-Screenwise-Commercial"}
    ]
    [vendor] = [c for c in bom["components"] if c["name"] == "Screenwise CV Screener 4.2"]
    assert vendor["type"] == "machine-learning-model" and vendor["licenses"]
    assert _props(vendor)["aipolicy:third_party:kind"] == ["model"]
    [deps] = [d for d in bom["dependencies"] if d["ref"] == model["bom-ref"]]
    assert deps["dependsOn"] == [vendor["bom-ref"]]


TRAINED = """\
apiVersion: aipolicy/v1
system: {id: churn, name: Churn model, description: Predicts churn., type: classifier}
stage: exploration
owners:
  technical: {name: Priya Raman, contact: priya.raman@acme-corp.io}
license: Apache-2.0
training:
  datasets:
    - name: crm-2026
      uri: s3://acme-ml/crm/2026/
      license: CC-BY-4.0
      personal_data: true
      provenance_ref: docs/data.md
third_party:
  - {name: OpenAI API, kind: api, license: LicenseRef-OpenAI-Terms, terms_ref: https://openai.com/policies}
"""


def test_training_datasets_become_data_components_the_model_card_refers_to(cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text(TRAINED, encoding="utf-8")
    code, out, err = cli("export", "--format", "cyclonedx", ".", cwd=tmp_path)
    assert (code, err) == (0, "")
    bom = json.loads(out)
    model = _model(bom)
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    [dataset] = [c for c in bom["components"] if c["type"] == "data"]
    assert model["modelCard"]["modelParameters"]["datasets"] == [{"ref": dataset["bom-ref"]}]
    assert dataset["data"] == [{"type": "dataset", "name": "crm-2026", "contents": {"url": "s3://acme-ml/crm/2026/"}}]
    assert dataset["licenses"] == [{"license": {"id": "CC-BY-4.0"}}]
    assert _props(dataset)["aipolicy:data:personal_data"] == ["true"]
    [api] = [c for c in bom["components"] if c["name"] == "OpenAI API"]
    assert _props(api)["aipolicy:third_party:kind"] == ["api"]


def test_the_same_manifest_exports_the_same_bytes_with_a_serial_number_from_its_content(cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text(TRAINED, encoding="utf-8")
    first = cli("export", "--format", "cyclonedx", "ai-production.yaml", cwd=tmp_path)[1]
    second = cli("export", "--format", "cyclonedx", "ai-production.yaml", cwd=tmp_path)[1]
    assert first == second
    assert "timestamp" not in json.loads(first)["metadata"]
    (tmp_path / "ai-production.yaml").write_text(TRAINED.replace("Churn model", "Churn model 2"), encoding="utf-8")
    third = cli("export", "--format", "cyclonedx", "ai-production.yaml", cwd=tmp_path)[1]
    assert json.loads(third)["serialNumber"] != json.loads(first)["serialNumber"]
    assert json.loads(first)["serialNumber"].startswith("urn:uuid:")


def test_the_timestamp_comes_from_source_date_epoch_before_today(cli, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "ai-production.yaml").write_text(TRAINED, encoding="utf-8")
    out = cli("export", "--format", "cyclonedx", "--today", "2026-12-01", ".", cwd=tmp_path)[1]
    assert json.loads(out)["metadata"]["timestamp"] == "2026-12-01T00:00:00+00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = cli("export", "--format", "cyclonedx", "--today", "2026-12-01", ".", cwd=tmp_path)[1]
    assert json.loads(out)["metadata"]["timestamp"] == "2026-01-01T00:00:00+00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    code, out, err = cli("export", "--format", "cyclonedx", ".", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert "SOURCE_DATE_EPOCH" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("fmt", ["cyclonedx", "model-card"])
@pytest.mark.parametrize("path", INVALID_EXAMPLES, ids=lambda p: p.name)
def test_a_manifest_that_fails_the_schema_exports_nothing_and_says_where_on_one_line(
    path: Path, fmt: str, cli, tmp_path: Path
) -> None:
    code, out, err = cli("export", "--format", fmt, str(path), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert code == 2
    assert out == "" and not (tmp_path / "out").exists()
    [line] = err.splitlines()
    where, _, why = line.partition(": ")
    file, row, col = where.rsplit(":", 2)
    assert file == str(path) and row.isdigit() and col.isdigit() and why


@pytest.mark.parametrize(
    "content",
    [b"apiVersion: [unclosed\n", b"\xff\xfe\x00garbage", b"- a list\n", b""],
    ids=["bad-yaml", "not-utf8", "a-list", "empty"],
)
def test_a_manifest_that_does_not_load_exits_2_with_one_line(content: bytes, cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_bytes(content)
    code, out, err = cli("export", "--format", "cyclonedx", "ai-production.yaml", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("ai-production.yaml:")
    assert "Traceback" not in err


def test_a_missing_manifest_exits_2_with_one_line(cli, tmp_path: Path) -> None:
    code, out, err = cli("export", "--format", "model-card", "nothing.yaml", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("nothing.yaml:1:1: ")


@pytest.mark.parametrize("target", ["ai-production.yaml", "other.ai-production.yaml"])
def test_output_never_overwrites_the_manifest_or_a_manifest_name(target: str, cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text(TRAINED, encoding="utf-8")
    code, _, err = cli("export", "--format", "cyclonedx", "ai-production.yaml", "--output", target, cwd=tmp_path)
    assert code == 2 and "refusing to write an export over" in err
    assert (tmp_path / "ai-production.yaml").read_text(encoding="utf-8") == TRAINED
    assert target == "ai-production.yaml" or not (tmp_path / target).exists()


def test_output_writes_the_file_and_says_so_on_stderr(cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text(TRAINED, encoding="utf-8")
    code, out, err = cli("export", "--format", "model-card", ".", "--output", "MODEL_CARD.md", cwd=tmp_path)
    assert (code, out) == (0, "")
    assert "wrote MODEL_CARD.md" in err
    assert (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8").startswith("# Model card: Churn model\n")


def test_output_into_a_missing_folder_is_a_usage_error(cli, tmp_path: Path) -> None:
    (tmp_path / "ai-production.yaml").write_text(TRAINED, encoding="utf-8")
    code, _, err = cli("export", "--format", "cyclonedx", ".", "--output", "no/such/bom.json", cwd=tmp_path)
    assert code == 2 and "does not exist" in err


def test_the_model_card_has_the_model_cards_sections_in_order(cli) -> None:
    path = REPO / "examples/production/recruiting-screener.ai-production.yaml"
    code, out, _ = cli("export", "--format", "model-card", str(path), cwd=REPO)
    assert code == 0
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Model details",
        "## Intended use",
        "## Factors",
        "## Metrics",
        "## Evaluation data",
        "## Training data",
        "## Ethical considerations",
        "## Caveats and recommendations",
    ]
    assert "- **Risk:** Automation bias, recruiters deferring to the ranking" in out
    assert "- Outcome accuracy: `balanced_accuracy`, threshold `0.8`; last measured `0.83`" in out


HOSTILE = """\
apiVersion: aipolicy/v1
system:
  id: hostile
  name: "<img src=x onerror=alert(1)> [click](https://evil.example) @everyone"
  description: "# heading\\n| a | b |"
  type: classifier
stage: exploration
owners:
  technical: {name: "**bold** `code` <b>", contact: "x@evil.example"}
limitations: ["![img](https://evil.example/p.png)", "<script>alert(1)</script>"]
"""


def test_the_model_card_escapes_everything_the_manifest_says(cli, tmp_path: Path) -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    (tmp_path / "ai-production.yaml").write_text(HOSTILE, encoding="utf-8")
    code, out, err = cli("export", "--format", "model-card", ".", cwd=tmp_path)
    assert code == 0, err
    html = cmarkgfm.github_flavored_markdown_to_html(out)
    assert "<img" not in html and "<script" not in html and "<a " not in html and "<b>" not in html
    assert "<strong>bold</strong>" not in html
    assert "<table" not in html
    assert html.count("<h1>") == 1
