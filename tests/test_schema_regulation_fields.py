"""The regulation fields of spec amendment A7 (limitations, ethical_considerations, fairness, training,
license, logging, governance.incident_process, eu_ai_act, third_party, llm.content_marking): optional,
valid in every documented shape, strict below (unknown keys are findings, x- extensions are not).
Wrong shapes, one finding each at its line and column, are tests/fixtures/schema/regulation-fields.ai-production.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker import manifest, schema

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "schemas" / "ai-production.v1.schema.json").read_text(encoding="utf-8"))

MINIMAL = """\
apiVersion: aipolicy/v1
system: {id: cv-screener, name: CV screener, description: Ranks applications., type: classifier}
stage: pilot
"""

ALL_FIELDS = (
    MINIMAL
    + """\
limitations: [Validated on English and German applications only]
ethical_considerations:
  - {risk: Indirect discrimination against career gaps, mitigation: Gap length is not a feature}
fairness:
  protected_attributes: [gender, age_band]
  metric: adverse_impact_ratio
  threshold: 0.8
  last_measured: {date: 2026-11-10, value: 0.87}
  evidence_ref: evidence/fairness-2026-11.md
training:
  datasets:
    - name: applications-2023-2025
      uri: s3://talent/applications/2025
      license: LicenseRef-Acme-Internal
      provenance_ref: docs/datasheet.md
      personal_data: true
      x-rows: 120000
license: Apache-2.0
logging: {events: [inputs, score, override], retention: P6M, ref: docs/logging.md}
eu_ai_act: {role: deployer, annex_iii_area: employment, eu_database_id: EU-HR-2026-004711, fria_ref: docs/fria.md}
third_party:
  - {name: Screenwise CV Screener 4.2, kind: model, license: LicenseRef-Screenwise, terms_ref: legal/screenwise.pdf}
  - {name: Greenhouse Harvest API, kind: api, terms_ref: https://www.greenhouse.com/terms}
governance:
  incident_process_ref: docs/incident-process.md
  incident_process: {ref: docs/incident-process.md, authority: Market surveillance authority, report_within: 15d}
llm:
  content_marking: {method: c2pa_manifest, ref: docs/content-credentials.md}
"""
)


def _issues(text: str) -> list[tuple[int, int, str, str]]:
    loaded = manifest.load(text.encode("utf-8"), "ai-production.yaml")
    assert isinstance(loaded, manifest.Manifest), loaded
    return [(s.line, s.column, manifest.json_path(p), m) for s, m, p in schema.validate(loaded)]


def test_a_manifest_with_every_regulation_field_is_valid() -> None:
    assert _issues(ALL_FIELDS) == []


def test_the_regulation_fields_are_optional() -> None:
    assert _issues(MINIMAL) == []
    new = {"limitations", "ethical_considerations", "fairness", "training", "license", "logging", "eu_ai_act"}
    assert new | {"third_party"} <= set(SCHEMA["properties"])
    assert not (new | {"third_party"}) & set(SCHEMA["required"])


def test_the_v1_incident_process_ref_stays_valid_alone() -> None:
    assert _issues(MINIMAL + "governance: {incident_process_ref: docs/incident-process.md}\n") == []


@pytest.mark.parametrize(
    ("fragment", "where"),
    [
        ("fairness: {metrics: adverse_impact_ratio}\n", "$.fairness.metrics"),
        ("logging: {event: [inputs]}\n", "$.logging.event"),
        ("eu_ai_act: {roles: deployer}\n", "$.eu_ai_act.roles"),
        ("third_party: [{name: x, type: model}]\n", "$.third_party[0].type"),
        ("training: {datasets: [{name: x, provenance: docs/x.md}]}\n", "$.training.datasets[0].provenance"),
        ("governance: {incident_process: {deadline: P15D}}\n", "$.governance.incident_process.deadline"),
        ("llm: {content_marking: {kind: watermark}}\n", "$.llm.content_marking.kind"),
    ],
)
def test_an_unknown_key_in_a_regulation_field_is_a_finding_at_the_key(fragment: str, where: str) -> None:
    issues = _issues(MINIMAL + fragment)
    assert [(line, path) for line, _, path, _ in issues] == [(4, where)]
    assert "is not a known field" in issues[0][3]


def test_every_regulation_field_names_the_reference_behind_it() -> None:
    props = SCHEMA["properties"]
    described = {
        "limitations": props["limitations"],
        "ethical_considerations": props["ethical_considerations"],
        "fairness": props["fairness"],
        "training": props["training"],
        "license": props["license"],
        "logging": props["logging"],
        "governance.incident_process": props["governance"]["properties"]["incident_process"],
        "third_party": props["third_party"],
        "llm.content_marking": props["llm"]["properties"]["content_marking"],
        "eu_ai_act.role": props["eu_ai_act"]["properties"]["role"],
    }
    anchors = ("Model Card Toolkit", "Hugging Face", "CycloneDX", "SPDX 3", "EU AI Act", "Art. ")
    for name, node in described.items():
        assert any(a in node["description"] for a in anchors), name


def test_annex_iii_area_lists_the_eight_points_of_annex_iii() -> None:
    area = SCHEMA["properties"]["eu_ai_act"]["properties"]["annex_iii_area"]
    assert area["enum"] == [
        "biometrics",
        "critical_infrastructure",
        "education",
        "employment",
        "essential_services",
        "law_enforcement",
        "migration",
        "justice_democracy",
    ]
