"""The commented starter manifest that `aipolicy init` writes.

Every answer a person must give is `TODO`, which aipolicy reports as an
unanswered placeholder (AIP-SCH-003) until it is replaced. Numbers and dates
only the team knows are left as commented-out lines, so the rules that need
them report them as missing rather than accepting an invented value.
"""

from __future__ import annotations

import json

from checker.records import field, record


@record
class Seeds:
    """Answers known before the team writes any (`aipolicy init --from-model-card`, checker/hfcard.py)."""

    license: str | None = None
    base_models: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    metric: str | None = None
    threshold: float | None = None
    source: str = ""  # where they came from, named in the starter's comments


_HEADER = """\
# ai-production.yaml: what it takes to run this AI system in production.
# Check it with `aipolicy check`; `aipolicy explain RULE` says why a rule exists.
# Editors: `aipolicy schema > ai-production.schema.json` and point yaml-language-server at it.
apiVersion: aipolicy/v1

system:
  id: todo-system-id            # lowercase letters, digits, hyphens; unique in the repository
  name: TODO
  description: TODO             # one sentence: what it predicts or generates, for whom
  type: classifier              # classifier, regressor, forecaster, ranker, recommender, llm_app, other
{model_version}
stage: {stage}                  # exploration, pilot, production, retired

owners:
  # Q1: a named person, not a team, with an email, URL or @handle.
  technical: {{name: TODO, contact: TODO}}
"""

_PILOT = """\
  # Q1/Q8: the business owner runs the process the model changes, and may change it.
  business:
    name: TODO
    contact: TODO
    process: TODO
    authority_to_change_workflow: false   # true is required at production

risk_tier: limited              # minimal, limited, high ("high" tightens rules)
decision_role: augment          # Q6: augment or replace people's decisions

intended_use:
  primary: TODO
  users: [TODO]
{out_of_scope}
business_metric:                # Q2: how you know it helps
  name: TODO
  direction: increase           # increase or decrease
  # baseline: {{value: 0.0, measured_at: YYYY-MM-DD, source: where the number comes from}}
  # target: {{value: 0.0, by: YYYY-MM-DD}}   # required at production; must move in `direction`

data:
  sources:                      # Q3: every source refreshes automatically
    - name: TODO
      uri: TODO
      refresh: {{mode: automated, schedule: "0 3 * * *", pipeline_ref: TODO}}
      validation: {{suite_ref: TODO, runs_at: [ingest, training]}}
      personal_data: false      # true requires privacy_ref

monitoring:
  outcome_accuracy:             # Q9: real outcome accuracy, measured since deployment
    metric: TODO
    threshold: 0.8
    cadence: weekly
    ground_truth_source: TODO
    label_delay: P3D
    # last_measured: {{date: YYYY-MM-DD, value: 0.0}}   # required at production
  drift:                        # Q5: what drift means here, and the alarm level
    - {{target: prediction, method: psi, threshold: 0.2, reference: training}}
  alerts:
    - name: TODO
      "on": TODO
      route: {{channel: slack, target: TODO}}
      runbook_ref: TODO
  watchers:                     # Q5: who watches
    primary: {{name: TODO, contact: TODO}}
    backup: {{name: TODO, contact: TODO}}

rollback:                       # Q7
  strategy: alias_swap
  fallback: {{type: human_process, description: TODO}}
  triggers: [TODO]
  decision_owner: {{name: TODO, contact: TODO}}
  rto: PT1H

retraining:                     # Q10: no six-week approvals
  triggers: [drift, performance]
  cadence: monthly
  max_model_age: P90D
  pipeline_ref: TODO
  owner: {{name: TODO, contact: TODO}}
  approval: {{required: true, approver: {{name: TODO, contact: TODO}}, max_lead_time: P3D}}

explainability:                 # Q4
  method: shap
  audience: [TODO]
  user_facing: false
  documentation_ref: TODO

governance:
  model_card_ref: TODO
  incident_process_ref: TODO
"""

_PRODUCTION_GOVERNANCE = """\
  # last_review: YYYY-MM-DD
  # next_review: YYYY-MM-DD     # within 12 months of last_review (6 at high risk)
"""

_RETIRED = """\

governance:
  decommission_plan_ref: TODO   # data deletion, dependants, archive
"""


def _q(value: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one), so no value can add keys or comments."""
    return json.dumps(value, ensure_ascii=True)


def _seeded(text: str, seeds: Seeds) -> str:
    if seeds.metric is not None:
        text = text.replace(
            "    metric: TODO\n", f"    metric: {_q(seeds.metric)}   # from the model card's model-index\n", 1
        )
    if seeds.threshold is not None:
        text = text.replace(
            "    threshold: 0.8\n",
            f"    threshold: {seeds.threshold!r}   # the evaluation's value; set the minimum you accept in production\n",
            1,
        )
    extra: list[str] = []
    if seeds.license or seeds.base_models or seeds.datasets:
        extra += ["", f"# From the model card {_q(seeds.source)}: check each value."]
    if seeds.license:
        extra.append(f"license: {_q(seeds.license)}")
    if seeds.datasets:
        extra += ["training:", "  datasets:"]
        for name in seeds.datasets:
            extra += [f"    - name: {_q(name)}", f"      uri: {_q('https://huggingface.co/datasets/' + name)}"]
    if seeds.base_models:
        extra.append("third_party:")
        for name in seeds.base_models:
            extra += [
                f"  - name: {_q(name)}",
                "    kind: model",
                f"    terms_ref: {_q('https://huggingface.co/' + name)}",
            ]
    return text + "\n".join(extra) + ("\n" if extra else "")


def starter(stage: str, today: str | None = None, seeds: Seeds | None = None) -> str:
    del today  # the starter invents no dates; the parameter stays for callers that pass one
    text = _starter(stage)
    return _seeded(text, seeds) if seeds is not None else text


def _starter(stage: str) -> str:
    production = stage == "production"
    text = _HEADER.format(
        stage=stage,
        model_version="  model_version: TODO          # registry URI, alias or digest\n"
        if production
        else "  # model_version: TODO        # required at production\n",
    )
    if stage == "retired":
        return text + _RETIRED
    if stage == "exploration":
        return text
    text += _PILOT.format(
        out_of_scope="  out_of_scope: [TODO]\n"
        if production
        else "  # out_of_scope: [TODO]        # required at production\n",
    )
    if production:
        text += _PRODUCTION_GOVERNANCE
    return text
