"""`aipolicy export --format cyclonedx`: a manifest as a CycloneDX 1.6 ML-BOM.

The BOM is built with cyclonedx-python-lib (its model classes, JSON serializer and
schema validator). The library has no classes for a component's `modelCard` or `data`
yet (CycloneDX/cyclonedx-python-lib#912, #913), so those two are added to the
serialized JSON, and the whole document is then validated against the CycloneDX 1.6
JSON schema the library ships (offline: the schemas are inside the package).

What CycloneDX has no field for goes into `properties` named `aipolicy:…`.

Deterministic: the serialNumber is a UUID derived from the manifest's bytes; the
timestamp is left out unless SOURCE_DATE_EPOCH or `--today` gives one, so exporting
the same manifest twice gives the same bytes. cyclonedx-python-lib is imported here
only, and this module only by the export command.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from typing import Any

from checker import __version__

# system.type -> modelCard.modelParameters.task (the Hugging Face task names where one fits)
_TASKS = {
    "classifier": "classification",
    "regressor": "regression",
    "forecaster": "time-series-forecasting",
    "ranker": "ranking",
    "recommender": "recommendation",
    "llm_app": "text-generation",
}
# Learning approaches the type implies; `other` and LLM applications imply none.
_APPROACHES = {
    "classifier": "supervised",
    "regressor": "supervised",
    "forecaster": "supervised",
    "ranker": "supervised",
}
_NAMESPACE = uuid.UUID("6f1c8a2e-2d1b-5c3e-9a4f-61706f6c6963")  # aipolicy's, fixed forever
PREFIX = "aipolicy:"


class ExportError(Exception):
    """The BOM did not validate against the CycloneDX schema (a bug of ours, said in one line)."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _person(value: Any) -> str | None:
    if not isinstance(value, dict) or not value.get("name"):
        return None
    contact = value.get("contact")
    return f"{value['name']} <{contact}>" if contact else str(value["name"])


def _properties(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every manifest answer CycloneDX has no field for, as (name, value), in a fixed order."""
    out: list[tuple[str, str]] = []

    def add(name: str, value: Any) -> None:
        if value is None or value == "" or value == [] or value == {}:
            return
        if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            for item in value:
                out.append((PREFIX + name, _text(item)))
            return
        out.append((PREFIX + name, _text(value)))

    system = data.get("system") or {}
    add("system:id", system.get("id"))
    add("system:type", system.get("type"))
    add("stage", data.get("stage"))
    add("risk_tier", data.get("risk_tier"))
    add("decision_role", data.get("decision_role"))
    for role, person in sorted((data.get("owners") or {}).items()):
        add(f"owner:{role}", _person(person))
    business = (data.get("owners") or {}).get("business") or {}
    add("owner:business:process", business.get("process"))
    intended = data.get("intended_use") or {}
    add("intended_use:out_of_scope", intended.get("out_of_scope"))
    outcome = (data.get("monitoring") or {}).get("outcome_accuracy") or {}
    for key in ("metric", "threshold", "cadence", "ground_truth_source", "label_delay"):
        add(f"monitoring:outcome_accuracy:{key}", outcome.get(key))
    last = outcome.get("last_measured") or {}
    add("monitoring:outcome_accuracy:last_measured:date", last.get("date"))
    metric = data.get("business_metric") or {}
    add("business_metric:name", metric.get("name"))
    add("business_metric:direction", metric.get("direction"))
    fairness = data.get("fairness") or {}
    add("fairness:threshold", fairness.get("threshold"))
    add("fairness:evidence_ref", fairness.get("evidence_ref"))
    logging = data.get("logging") or {}
    add("logging:events", logging.get("events"))
    add("logging:retention", logging.get("retention"))
    add("logging:ref", logging.get("ref"))
    for key, value in sorted((data.get("eu_ai_act") or {}).items()):
        add(f"eu_ai_act:{key}", value)
    marking = (data.get("llm") or {}).get("content_marking") or {}
    add("llm:content_marking:method", marking.get("method"))
    add("llm:content_marking:ref", marking.get("ref"))
    governance = data.get("governance") or {}
    for key in ("model_card_ref", "incident_process_ref", "decommission_plan_ref", "last_review", "next_review"):
        add(f"governance:{key}", governance.get(key))
    incident = governance.get("incident_process") or {}
    for key in ("ref", "authority", "report_within"):
        add(f"governance:incident_process:{key}", incident.get(key))
    return out


def _metrics(data: dict[str, Any]) -> list[dict[str, str]]:
    metrics: list[dict[str, str]] = []
    outcome = (data.get("monitoring") or {}).get("outcome_accuracy") or {}
    if outcome.get("metric"):
        entry = {"type": _text(outcome["metric"])}
        last = outcome.get("last_measured") or {}
        if last.get("value") is not None:
            entry["value"] = _text(last["value"])
            if last.get("date"):
                entry["slice"] = f"production outcomes, measured {last['date']}"
        metrics.append(entry)
    business = data.get("business_metric") or {}
    if business.get("name"):
        for part, when in (("baseline", "measured_at"), ("target", "by")):
            point = business.get(part) or {}
            if isinstance(point, dict) and point.get("value") is not None:
                slice_ = f"business metric {part}" + (f" ({point[when]})" if point.get(when) else "")
                metrics.append({"type": _text(business["name"]), "value": _text(point["value"]), "slice": slice_})
    fairness = data.get("fairness") or {}
    if fairness.get("metric"):
        entry = {"type": _text(fairness["metric"])}
        last = fairness.get("last_measured") or {}
        if last.get("value") is not None:
            entry["value"] = _text(last["value"])
        groups = fairness.get("protected_attributes") or []
        if groups:
            entry["slice"] = "fairness across " + ", ".join(_text(g) for g in groups)
        metrics.append(entry)
    return metrics


def _model_card(data: dict[str, Any], dataset_refs: list[str]) -> dict[str, Any]:
    system = data.get("system") or {}
    card: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    kind = system.get("type")
    if kind in _APPROACHES:
        parameters["approach"] = {"type": _APPROACHES[kind]}
    if kind in _TASKS:
        parameters["task"] = _TASKS[kind]
    if dataset_refs:
        parameters["datasets"] = [{"ref": ref} for ref in dataset_refs]
    if parameters:
        card["modelParameters"] = parameters
    metrics = _metrics(data)
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    considerations: dict[str, Any] = {}
    intended = data.get("intended_use") or {}
    if intended.get("users"):
        considerations["users"] = [_text(u) for u in intended["users"]]
    if intended.get("primary"):
        considerations["useCases"] = [_text(intended["primary"])]
    if data.get("limitations"):
        considerations["technicalLimitations"] = [_text(item) for item in data["limitations"]]
    ethical = [
        {"name": _text(item.get("risk")), "mitigationStrategy": _text(item.get("mitigation"))}
        for item in data.get("ethical_considerations") or []
        if isinstance(item, dict) and item.get("risk")
    ]
    if ethical:
        considerations["ethicalConsiderations"] = ethical
    groups = (data.get("fairness") or {}).get("protected_attributes") or []
    if groups:
        considerations["fairnessAssessments"] = [{"groupAtRisk": _text(g)} for g in groups]
    if considerations:
        card["considerations"] = considerations
    return card


def _ref(kind: str, name: str, index: int) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in name)[:60] or "unnamed"
    return f"{kind}-{index}-{safe}"


def cyclonedx(data: dict[str, Any], raw: bytes, timestamp: datetime.datetime | None = None) -> str:
    """The CycloneDX 1.6 JSON BOM of one schema-valid manifest (`raw`: its bytes, which
    the serialNumber is derived from), validated against the CycloneDX schema."""
    try:  # its home since cyclonedx-python-lib 11.x; the old one warns there
        from cyclonedx.contrib.license.factories import LicenseFactory
    except ImportError:  # pragma: no cover - older 11.x releases
        from cyclonedx.factory.license import LicenseFactory  # type: ignore[no-redef,unused-ignore]  # the same class at its old home
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion

    from checker.schema import import_jsonschema

    import_jsonschema()  # before cyclonedx's validator imports it (checker/schema.py says why)
    from cyclonedx.validation.json import JsonStrictValidator

    licenses = LicenseFactory()
    system = data.get("system") or {}
    model_ref = f"model-{system.get('id', 'system')}"

    def license_list(value: Any) -> list[Any]:
        return [licenses.make_from_string(_text(value))] if value else []

    model = Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=_text(system.get("name") or system.get("id") or "unnamed"),
        version=_text(system["model_version"]) if system.get("model_version") else None,
        description=_text(system["description"]) if system.get("description") else None,
        bom_ref=model_ref,
        licenses=license_list(data.get("license")),
        properties=[Property(name=n, value=v) for n, v in _properties(data)],
    )
    serial = uuid.uuid5(_NAMESPACE, hashlib.sha256(raw).hexdigest())
    bom = Bom(serial_number=serial, version=1)
    bom.metadata.timestamp = timestamp or datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="aipolicy", version=__version__, bom_ref="tool-aipolicy")
    )
    bom.components.add(model)
    extra: dict[str, dict[str, Any]] = {}  # bom-ref -> fields the library cannot model
    dataset_refs: list[str] = []
    dependencies: list[Component] = []
    for index, item in enumerate(((data.get("training") or {}).get("datasets")) or [], 1):
        if not isinstance(item, dict):
            continue
        name = _text(item.get("name") or f"dataset {index}")
        ref = _ref("dataset", name, index)
        props = [Property(name=PREFIX + "data:role", value="training")]
        if "personal_data" in item:
            props.append(Property(name=PREFIX + "data:personal_data", value=_text(item["personal_data"])))
        if item.get("provenance_ref"):
            props.append(Property(name=PREFIX + "data:provenance_ref", value=_text(item["provenance_ref"])))
        component = Component(
            type=ComponentType.DATA,
            name=name,
            bom_ref=ref,
            licenses=license_list(item.get("license")),
            properties=props,
        )
        bom.components.add(component)
        dependencies.append(component)
        dataset_refs.append(ref)
        data_entry: dict[str, Any] = {"type": "dataset", "name": name}
        if item.get("uri"):
            data_entry["contents"] = {"url": _text(item["uri"])}
        extra[ref] = {"data": [data_entry]}
    kinds = {"model": ComponentType.MACHINE_LEARNING_MODEL, "data": ComponentType.DATA, "api": ComponentType.PLATFORM}
    for index, item in enumerate(data.get("third_party") or [], 1):
        if not isinstance(item, dict):
            continue
        name = _text(item.get("name") or f"third party {index}")
        kind = _text(item.get("kind") or "model")
        props = [Property(name=PREFIX + "third_party:kind", value=kind)]
        if item.get("terms_ref"):
            props.append(Property(name=PREFIX + "third_party:terms_ref", value=_text(item["terms_ref"])))
        component = Component(
            type=kinds.get(kind, ComponentType.LIBRARY),
            name=name,
            bom_ref=_ref("third-party", name, index),
            licenses=license_list(item.get("license")),
            properties=props,
        )
        bom.components.add(component)
        dependencies.append(component)
    bom.register_dependency(model, dependencies)

    document = json.loads(JsonV1Dot6(bom).output_as_string())
    if timestamp is None:
        document["metadata"].pop("timestamp", None)
    extra[model_ref] = {"modelCard": _model_card(data, dataset_refs)}
    for component in document.get("components", []):
        component.update(extra.get(component.get("bom-ref"), {}))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise ExportError(f"the CycloneDX BOM does not validate: {str(error)[:300]}")
    return text
