"""A realistic monorepo of ai-production.yaml manifests for the benchmark.

Each manifest is about 80 lines, modelled on examples/production/ai-production.yaml
(and, for the broken ones, on examples/failing/*): ids, names, people, thresholds,
dates, data sources and monitors vary from file to file; about one in ten is broken
in a schema way (a wrong enum, a string where a number belongs, a misspelt section,
a YAML syntax error) or a policy way (hand-refreshed data, a team as owner, an
overdue review, a placeholder, a p-value threshold out of range, an undisclosed
LLM, a replacing system without oversight).

The corpus is deterministic for a given seed and `today`, and is written inside
a `git init`ed folder and committed (fixed author, no global git config), so the
N=1 case is exactly the pre-commit case: one production manifest in a repository.
"""

from __future__ import annotations

import datetime
import os
import random
import subprocess
from pathlib import Path

FIRST = [
    "Priya",
    "Daniel",
    "Marta",
    "Aisha",
    "Tomás",
    "Elena",
    "Marcus",
    "Hannah",
    "Oliver",
    "Yuki",
    "Chen",
    "Fatima",
    "Lukas",
    "Sofia",
    "Kwame",
    "Ingrid",
    "Rahul",
    "Zoë",
    "Mateo",
    "Noor",
]
LAST = [
    "Raman",
    "Okafor",
    "Kowalski",
    "Bello",
    "Silva",
    "Petrova",
    "Reed",
    "Becker",
    "Grant",
    "Tanaka",
    "Wei",
    "Haddad",
    "Müller",
    "Rossi",
    "Mensah",
    "Lund",
    "Iyer",
    "Dubois",
    "García",
    "Khan",
]
TEAMS = ["support", "payments", "logistics", "marketing", "risk", "search", "pricing", "hr", "finance", "growth"]
NOUNS = [
    "router",
    "scorer",
    "forecast",
    "ranker",
    "classifier",
    "detector",
    "recommender",
    "assistant",
    "tagger",
    "estimator",
]
SUBJECTS = ["ticket", "fraud", "demand", "churn", "lead", "invoice", "search", "price", "review", "shipment"]
TYPES = ["classifier", "regressor", "forecaster", "ranker", "llm_app"]
METRICS = {
    "classifier": ("macro_f1", 0.8, 0.95),
    "ranker": ("ndcg_at_10", 0.6, 0.85),
    "regressor": ("mae", 2.0, 8.0),
    "forecaster": ("wape", 0.08, 0.25),
    "llm_app": ("answer_accuracy", 0.75, 0.92),
}
FEATURES = [
    "channel",
    "language",
    "customer_tier",
    "body_length",
    "amount",
    "country",
    "hour_of_day",
    "merchant_category",
    "sku_family",
    "warehouse",
    "tenure_days",
    "device",
    "region",
    "price_band",
]
STRATEGIES = ["alias_swap", "blue_green", "canary_abort", "redeploy_previous", "feature_flag"]

# Repository-relative refs point at these shared files (created with the corpus);
# the rest are URLs, which AIP-REF-001 does not look up.
SHARED_FILES = {
    "shared/docs/incident-process.md": "# Incident process\n",
    "shared/docs/decommission-plan.md": "# Decommissioning an AI system\n",
    "shared/pipelines/train.py": "def main():\n    pass\n",
    "shared/runbooks/drift.md": "# Drift runbook\n",
    # Every team reviews its own manifests (AIP-GIT-003), as in a real monorepo.
    ".github/CODEOWNERS": "".join(f"/systems/{team}/ @acme/{team}-ml\n" for team in TEAMS),
}

BROKEN = [
    # schema
    "stage_enum",
    "threshold_string",
    "section_typo",
    "yaml_syntax",
    "bool_yes",
    # policy
    "manual_refresh",
    "team_owner",
    "review_overdue",
    "placeholder",
    "pvalue_threshold",
    "undisclosed_llm",
    "replace_without_oversight",
]


def _people(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` different people: (name, contact)."""
    out = []
    for first, last in rng.sample([(f, surname) for f in FIRST for surname in LAST], count):
        plain = f"{first}.{last}".lower().translate(str.maketrans("áüëí", "auei"))
        out.append((f"{first} {last}", f"{plain}@acme-corp.io"))
    return out


def _date(today: datetime.date, days: int) -> str:
    return (today + datetime.timedelta(days=days)).isoformat()


def manifest(index: int, rng: random.Random, today: datetime.date, broken: str | None) -> str:
    """One manifest's text (stage production, every field the production rules ask for)."""
    team, subject, noun = rng.choice(TEAMS), rng.choice(SUBJECTS), rng.choice(NOUNS)
    sys_id = f"{subject}-{noun}-{index:05d}"
    kind = "llm_app" if broken == "undisclosed_llm" else rng.choice(TYPES)
    metric, low, high = METRICS[kind]
    threshold = round(rng.uniform(low, high), 2)
    lower_better = metric in ("mae", "wape")
    measured = round(threshold * (0.9 if lower_better else 1.05), 3)
    tech, biz, esc, watch, backup, owner, *data_owners = _people(rng, 8)
    if broken == "team_owner":
        tech = (f"{team}-ml-team", f"{team}-ml@acme-corp.io")
    risk = "high" if broken == "replace_without_oversight" else rng.choice(["minimal", "limited", "limited", "high"])
    role = "replace" if broken == "replace_without_oversight" else "augment"
    wiki = f"https://wiki.acme-corp.io/{team}/{sys_id}"
    git = f"https://git.acme-corp.io/{team}/{sys_id}/-/blob/main"
    feats = rng.sample(FEATURES, rng.randint(3, 6))
    drift_method, drift_threshold = rng.choice(
        [
            ("psi", round(rng.uniform(0.1, 0.3), 2)),
            ("js", round(rng.uniform(0.05, 0.2), 2)),
            ("ks", rng.choice([0.01, 0.05])),
        ]
    )
    if broken == "pvalue_threshold":
        drift_method, drift_threshold = "ks", 0.5
    last_review = -rng.randint(20, 100)
    next_review = last_review + (rng.randint(120, 180) if risk == "high" else rng.randint(150, 360))
    if broken == "review_overdue":
        last_review, next_review = -400, -35
    refresh = "manual" if broken == "manual_refresh" else "automated"
    stage = "prod" if broken == "stage_enum" else "production"
    threshold_text = f"high {threshold}" if broken == "threshold_string" else str(threshold)
    rollback_key = "rollbak" if broken == "section_typo" else "rollback"
    description = (
        "TBD"
        if broken == "placeholder"
        else (
            f"{'Predicts' if kind in ('regressor', 'forecaster') else 'Scores'} {subject} cases for the {team} team; "
            f"people review the output before acting on it."
        )
    )
    lines = [
        "apiVersion: aipolicy/v1",
        "system:",
        f"  id: {sys_id}",
        f"  name: {subject.capitalize()} {noun} for {team}",
        f"  description: {description}",
        f"  type: {kind}",
        f"  model_version: models:/{sys_id}/{rng.randint(1, 60)}",
        f"stage: {stage}",
        f"risk_tier: {risk}",
        f"decision_role: {role}",
        "intended_use:",
        f"  primary: Support {team} staff deciding on {subject} cases in the EU region.",
        f"  users: [{team.capitalize()} analysts, {team.capitalize()} team leads]",
        f"  out_of_scope: [Fully automatic decisions without review, {subject.capitalize()} cases outside the EU]",
        "owners:",
        f"  technical: {{name: {tech[0]}, contact: {tech[1]}}}",
        "  business:",
        f"    name: {biz[0]}",
        f"    contact: {biz[1]}",
        f"    process: {team.capitalize()} {subject} handling",
        "    authority_to_change_workflow: true",
        f"  escalation: {{name: {esc[0]}, contact: {esc[1]}}}",
        "business_metric:",
        f"  name: Median handling time of a {subject} case, in hours",
        "  direction: decrease",
        f"  baseline: {{value: {rng.randint(8, 40)}.5, measured_at: {_date(today, -rng.randint(60, 300))}, source: BI dashboard {team}-{subject}}}",
        f"  target: {{value: {rng.randint(2, 7)}.0, by: {_date(today, rng.randint(90, 400))}}}",
        "data:",
        "  sources:",
    ]
    for n in range(1 if rng.random() < 0.75 else 2):
        owner_n = data_owners[n]
        personal = rng.random() < 0.4
        lines += [
            f"    - name: {subject}-events-{n}",
            f"      uri: s3://acme-{team}-lake/raw/{subject}/{n}/",
            f"      owner: {{name: {owner_n[0]}, contact: {owner_n[1]}}}",
            f'      refresh: {{mode: {refresh if n == 0 else "automated"}, schedule: "{rng.randint(0, 59)} {rng.randint(0, 23)} * * *", '
            f"pipeline_ref: {git}/pipelines/ingest_{n}.py}}",
            f"      validation: {{suite_ref: {git}/validation/suite_{n}.yaml, runs_at: [ingest, training]}}",
            f"      personal_data: {'true' if personal else 'false'}",
        ]
        if personal:
            lines.append(f"      privacy_ref: {wiki}/privacy-assessment")
    lines += [
        "monitoring:",
        "  outcome_accuracy:",
        f"    metric: {metric}",
        f"    threshold: {threshold_text}",
        "    cadence: weekly",
        f"    ground_truth_source: Final {subject} outcome recorded by the {team} team",
        "    label_delay: P3D",
        f"    last_measured: {{date: {_date(today, -rng.randint(1, 10))}, value: {measured}}}",
        f"    evidence_ref: {wiki}/accuracy",
        "  drift:",
        "    - target: features",
        f"      features: [{', '.join(feats)}]",
        f"      method: {drift_method}",
        f"      threshold: {drift_threshold}",
        "      reference: training",
        "  alerts:",
        "    - name: accuracy-below-threshold",
        f'      "on": weekly {metric} {"above" if lower_better else "below"} {threshold}',
        f"      route: {{channel: pagerduty, target: {sys_id}}}",
        "      runbook_ref: shared/runbooks/drift.md",
        "  watchers:",
        f"    primary: {{name: {watch[0]}, contact: {watch[1]}}}",
        f"    backup: {{name: {backup[0]}, contact: {backup[1]}}}",
        f"{rollback_key}:",
        f"  strategy: {rng.choice(STRATEGIES)}",
        f"  previous_version: {{ref: models:/{sys_id}/0, verified_at: {_date(today, -rng.randint(5, 40))}}}",
        "  fallback: {type: rules, description: The rules used before the model take over.}",
        f"  triggers: [{metric} below threshold two weeks in a row, serving errors above 1%]",
        f"  decision_owner: {{name: {tech[0]}, contact: {tech[1]}}}",
        f"  rto: PT{rng.randint(1, 4) if risk != 'high' else 1}H",
        f"  last_tested: {_date(today, -rng.randint(10, 60))}",
        "retraining:",
        "  triggers: [drift, performance, schedule]",
        "  cadence: monthly",
        "  max_model_age: P90D",
        "  pipeline_ref: shared/pipelines/train.py",
        f"  owner: {{name: {owner[0]}, contact: {owner[1]}}}",
        f"  approval: {{required: true, approver: {{name: {esc[0]}, contact: {esc[1]}}}, max_lead_time: P3D}}",
        "explainability:",
        f"  method: {'source_citations' if kind == 'llm_app' else 'shap'}",
        f"  audience: [{team.capitalize()} analysts, Model reviewers]",
        f"  user_facing: {'yes' if broken == 'bool_yes' else 'true'}",
        f"  documentation_ref: {wiki}/explanations",
    ]
    if broken != "replace_without_oversight":
        lines += [
            "human_oversight:",
            "  mode: in_the_loop",
            "  override: true",
            f"  stop_mechanism: Turning off the feature flag {sys_id}.enabled sends every case to the fallback.",
            f"  appeal_ref: {wiki}/appeals",
        ]
    if kind == "llm_app":
        lines += [
            "llm:",
            "  base_model: claude-sonnet-4-5-20250929",
            f"  prompt_ref: {git}/prompts/answer.md",
            f"  eval_suite_ref: {git}/evals/suite.yaml",
            "  guardrails: [Answers only from retrieved documents, PII redaction on input and output]",
            f"  ai_disclosure: {'false' if broken == 'undisclosed_llm' else 'true'}",
        ]
    lines += [
        "governance:",
        f"  model_card_ref: {wiki}/model-card",
        "  incident_process_ref: shared/docs/incident-process.md",
        "  decommission_plan_ref: shared/docs/decommission-plan.md",
        f"  last_review: {_date(today, last_review)}",
        f"  next_review: {_date(today, next_review)}",
    ]
    if broken == "yaml_syntax":
        at = rng.randint(20, len(lines) - 5)
        lines[at] = lines[at] + ": [unclosed"  # "mapping values are not allowed here": the parser stops
    return "\n".join(lines) + "\n"


def generate(root: Path, count: int, today: datetime.date, seed: int = 7, broken_share: float = 0.1) -> list[Path]:
    """Write `count` manifests under root/systems/<team>/<id>/; return their paths relative to root.

    File 0 is always a clean production manifest (the pre-commit case at N=1)."""
    rng = random.Random(seed)
    for rel, text in SHARED_FILES.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    out: list[Path] = []
    for index in range(count):
        broken = rng.choice(BROKEN) if index and rng.random() < broken_share else None
        text = manifest(index, rng, today, broken)
        rel = Path("systems") / TEAMS[index % len(TEAMS)] / f"s{index:05d}" / "ai-production.yaml"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        out.append(rel)
    return out


GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "aipolicy bench",
    "GIT_AUTHOR_EMAIL": "bench@aipolicy.invalid",
    "GIT_COMMITTER_NAME": "aipolicy bench",
    "GIT_COMMITTER_EMAIL": "bench@aipolicy.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def commit(root: Path) -> None:
    """`git init` + one commit, independent of the user's git configuration."""
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench corpus"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
