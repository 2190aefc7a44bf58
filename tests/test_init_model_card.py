"""`aipolicy init --from-model-card README.md`: a starter seeded from a Hugging Face model
card's YAML front matter (checker/hfcard.py), which still validates and leaves only the
starter's own placeholders for `aipolicy check` to report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SENTIMENT = """\
---
language: en
license: apache-2.0
base_model: distilbert/distilbert-base-uncased
datasets:
- stanfordnlp/imdb
model-index:
- name: my-sentiment
  results:
  - task: {type: text-classification, name: Text Classification}
    dataset: {name: imdb, type: stanfordnlp/imdb}
    metrics:
    - type: accuracy
      value: 0.9312
      name: Accuracy
    - type: f1
      value: 0.93
---
# my-sentiment

A fine-tuned model.
"""

MERGED = """\
---
license: other
license_name: llama3
base_model:
- meta-llama/Meta-Llama-3-8B
- mistralai/Mistral-7B-v0.1
datasets: HuggingFaceH4/ultrachat_200k
tags: [merge]
---
Merged.
"""

PLAIN = """\
---
license: mit
---
Nothing else.
"""

QUOTING = """\
---
license: "x\\" key: injected # not a comment"
base_model: "a: b\\n- c"
datasets: ["'quoted'", "#hash"]
---
"""

CARDS = {"sentiment": SENTIMENT, "merged": MERGED, "plain": PLAIN, "quoting": QUOTING}


def _messages(cli, folder: Path, name: str) -> list[tuple[str, str]]:
    code, out, _ = cli("check", "--today", "2026-12-01", "--format", "json", name, cwd=folder)
    assert code == 1
    return sorted((f["rule"], f["json_path"]) for f in json.loads(out)["findings"])


@pytest.mark.parametrize("stage", ["pilot", "production", "exploration"])
@pytest.mark.parametrize("card", sorted(CARDS))
def test_a_seeded_starter_gets_only_the_starters_placeholder_findings(card: str, stage: str, cli, tmp_path) -> None:
    (tmp_path / "README.md").write_text(CARDS[card], encoding="utf-8")
    assert cli("init", "--stage", stage, "plain.yaml", cwd=tmp_path)[0] == 0
    code, _, err = cli("init", "--stage", stage, "--from-model-card", "README.md", "seeded.yaml", cwd=tmp_path)
    assert code == 0, err
    plain, seeded = _messages(cli, tmp_path, "plain.yaml"), _messages(cli, tmp_path, "seeded.yaml")
    assert not [f for f in seeded if f[0] in ("AIP-SCH-001", "AIP-SCH-002")]
    # The placeholder `metric: TODO` (AIP-SCH-003 at pilot, AIP-MON-003 at production) is answered.
    metric = [f for f in plain if f[1] == "$.monitoring.outcome_accuracy.metric"]
    if card == "sentiment" and stage != "exploration":
        assert len(metric) == 1 and metric[0] not in seeded
        assert [f for f in plain if f not in metric] == seeded
    else:
        assert seeded == plain


def _seeded(cli, tmp_path: Path, card: str, stage: str = "pilot") -> tuple[dict, str]:
    from checker import manifest as manifest_mod

    (tmp_path / "README.md").write_text(card, encoding="utf-8")
    code, _, err = cli("init", "--stage", stage, "--from-model-card", "README.md", cwd=tmp_path)
    assert code == 0, err
    raw = (tmp_path / "ai-production.yaml").read_bytes()
    loaded = manifest_mod.load(raw, "ai-production.yaml")
    assert not isinstance(loaded, list)
    return loaded.data, err


def test_the_front_matter_fields_map_to_the_manifests_fields(cli, tmp_path: Path) -> None:
    data, err = _seeded(cli, tmp_path, SENTIMENT)
    assert err == ""
    assert data["license"] == "Apache-2.0"
    assert data["third_party"] == [
        {
            "name": "distilbert/distilbert-base-uncased",
            "kind": "model",
            "terms_ref": "https://huggingface.co/distilbert/distilbert-base-uncased",
        }
    ]
    assert data["training"]["datasets"] == [
        {"name": "stanfordnlp/imdb", "uri": "https://huggingface.co/datasets/stanfordnlp/imdb"}
    ]
    assert data["monitoring"]["outcome_accuracy"]["metric"] == "accuracy"
    assert data["monitoring"]["outcome_accuracy"]["threshold"] == 0.9312


def test_several_base_models_a_single_dataset_string_and_a_named_other_license(cli, tmp_path: Path) -> None:
    data, _ = _seeded(cli, tmp_path, MERGED)
    assert data["license"] == "llama3"
    assert [t["name"] for t in data["third_party"]] == ["meta-llama/Meta-Llama-3-8B", "mistralai/Mistral-7B-v0.1"]
    assert [d["name"] for d in data["training"]["datasets"]] == ["HuggingFaceH4/ultrachat_200k"]
    assert data["monitoring"]["outcome_accuracy"]["metric"] == "TODO"


def test_front_matter_values_cannot_add_keys_or_comments_to_the_starter(cli, tmp_path: Path) -> None:
    data, _ = _seeded(cli, tmp_path, QUOTING)
    assert "key" not in data
    assert data["license"] == 'x" key: injected # not a comment'
    assert "third_party" not in data  # a name with a line break is not seeded
    assert [d["name"] for d in data["training"]["datasets"]] == ["'quoted'", "#hash"]


WRONG_TYPES = """\
---
license: {name: apache}
base_model: 42
datasets: [imdb, {nested: true}, ""]
model-index:
- name: m
  results:
  - metrics:
    - {type: accuracy, value: "high"}
---
"""


def test_fields_of_the_wrong_type_are_skipped_with_a_note_each(cli, tmp_path: Path) -> None:
    data, err = _seeded(cli, tmp_path, WRONG_TYPES)
    assert "license" not in data and "third_party" not in data
    assert [d["name"] for d in data["training"]["datasets"]] == ["imdb"]
    assert data["monitoring"]["outcome_accuracy"]["metric"] == "accuracy"
    assert data["monitoring"]["outcome_accuracy"]["threshold"] == 0.8  # the starter's own
    notes = err.splitlines()
    assert all(line.startswith("aipolicy: note: README.md: ") for line in notes)
    assert len(notes) == 5  # license, base_model, two datasets entries, the value


def test_the_exploration_starter_says_the_metric_is_not_seeded(cli, tmp_path: Path) -> None:
    _, err = _seeded(cli, tmp_path, SENTIMENT, stage="exploration")
    assert "no monitoring section; the metric is not seeded" in err


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"# A card without front matter\n", "no YAML front matter"),
        (b"---\nlicense: mit\n", "not closed"),
        (b"---\n---\n", "empty"),
        (b"---\n- a\n- list\n---\n", "is a list"),
        (b"---\njust a string\n---\n", "single str value"),
        (b"---\nlicense: [unclosed\n---\n", "invalid YAML"),
        (b"---\nlicense: !!python/object:os.system echo\n---\n", "tag"),
        (b"---\nlicense: \xff\xfe\n---\n", "not UTF-8"),
        (b"---\n" + b"a: [" * 200 + b"]" * 200 + b"\n---\n", "deep"),
        (b"---\n" + b"k: " + b"x" * (300 * 1024) + b"\n---\n", "over"),
    ],
    ids=["none", "unclosed", "empty", "list", "scalar", "bad-yaml", "python-tag", "not-utf8", "deep", "huge"],
)
def test_a_card_that_cannot_be_read_is_one_line_exit_2_and_nothing_written(
    content: bytes, why: str, cli, tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_bytes(content)
    code, out, err = cli("init", "--from-model-card", "README.md", cwd=tmp_path)
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("aipolicy: error: --from-model-card README.md: ")
    assert why in line
    assert not (tmp_path / "ai-production.yaml").exists()


def test_a_card_over_the_size_cap_is_refused_before_it_is_read(cli, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes(b"---\nlicense: mit\n---\n" + b"x" * (4 * 1024 * 1024))
    code, _, err = cli("init", "--from-model-card", "README.md", cwd=tmp_path)
    assert code == 2 and "byte limit" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_as_model_card_is_refused_without_blocking(cli, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "README.md")
    code, _, err = cli("init", "--from-model-card", "README.md", cwd=tmp_path)
    assert code == 2 and "not a regular file" in err


def test_a_missing_card_is_one_line_exit_2(cli, tmp_path: Path) -> None:
    code, _, err = cli("init", "--from-model-card", "nothing.md", cwd=tmp_path)
    assert code == 2 and len(err.splitlines()) == 1 and "nothing.md" in err
