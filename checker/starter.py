"""The commented starter manifest that `aipolicy init` writes.

Every answer a person must give is `TODO`, which aipolicy reports as an
unanswered placeholder (AIP-SCH-003) until it is replaced.
"""

from __future__ import annotations

_ORDER = ("exploration", "pilot", "production", "retired")

# (first stage that needs the block, block text)
_BLOCKS: list[tuple[str, str]] = [
    ("exploration", """\
# ai-production.yaml: what it takes to run this AI system in production.
# Check it with `aipolicy check`; `aipolicy explain RULE` says why a rule exists.
# Editors: point yaml-language-server at `aipolicy schema` output for completion.
apiVersion: aipolicy/v1

system:
  id: todo-system-id            # lowercase letters, digits, hyphens; unique in the repository
  name: TODO
  description: TODO             # one sentence: what it predicts or generates, for whom
  type: classifier              # classifier, regressor, forecaster, ranker, recommender, llm_app, other
  # model_version: TODO         # required at production: registry URI, alias or digest

stage: {stage}                  # exploration, pilot, production, retired

owners:
  # Q1: a named person, not a team, with an email, URL or @handle.
  technical: {{name: TODO, contact: TODO}}
"""),
    ("pilot", """\
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
  out_of_scope: [TODO]          # required at production

business_metric:                # Q2: how you know it helps
  name: TODO
  direction: increase           # increase or decrease
  baseline: {{value: 0, measured_at: {today}, source: TODO}}
  target: {{value: 0, by: {today}}}   # required at production; must move in `direction`

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
"""),
    ("production", """\
  last_review: {today}
  next_review: TODO             # within 12 months of last_review (6 at high risk)
"""),
    ("retired", """\
  decommission_plan_ref: TODO
"""),
]


def starter(stage: str, today: str | None = None) -> str:
    import datetime

    day = today or datetime.date.today().isoformat()
    level = _ORDER.index(stage)
    parts = []
    for needed, block in _BLOCKS:
        # A retired system needs only its decommission plan beyond the basics.
        if stage == "retired" and needed in ("pilot", "production"):
            continue
        if _ORDER.index(needed) <= level:
            parts.append(block)
    text = "".join(parts)
    if stage == "retired":
        text += "governance:\n  decommission_plan_ref: TODO\n" if "governance:" not in text else ""
        text = text.replace("governance:\n  decommission_plan_ref: TODO\n" * 1, "governance:\n  decommission_plan_ref: TODO\n")
    return text.format(stage=stage, today=day)
