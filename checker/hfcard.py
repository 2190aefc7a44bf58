"""`aipolicy init --from-model-card README.md`: seeds for the starter from a Hugging Face
model card's YAML front matter (huggingface.co/docs/hub/model-cards).

Read from the file named on the command line through checker/safeio.py (a size cap, never
blocking on a FIFO or a device); never fetched. The front matter is parsed by the
manifest's own loader (checker/manifest.py: safe YAML, no tags, capped depth and node
count, every input answered without raising).

What is taken:

- `license` -> `license` (Hugging Face's lowercase ids as SPDX spells them where known;
  `other` with `license_name` -> that name);
- `base_model` (a string or a list) -> a `third_party` entry of kind `model` each;
- `datasets` (a string or a list) -> `training.datasets[]`, each at its Hub URL;
- the first metric of the first `model-index` result -> `monitoring.outcome_accuracy`'s
  `metric` (its `type`) and `threshold` (its `value`, when a number).

A card that cannot be read (missing, not a regular file, over the cap, not UTF-8, no
front matter, front matter that is not valid YAML or not a mapping, too deep or too big)
is an error: one line, exit 2, nothing written. A field of the wrong type is skipped with
a note, and the starter is written without it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from checker.starter import Seeds

MAX_CARD_BYTES = 4 * 1024 * 1024  # a model card is Markdown; 4 MiB is far beyond a real one
MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_DEPTH = 20
MAX_NODES = 20_000
MAX_ITEMS = 50  # base models or datasets seeded
MAX_TEXT = 300  # characters of one seeded value

# Hugging Face's license ids (hub docs, "Licenses") whose SPDX spelling differs only in case.
_SPDX = {
    "apache-2.0": "Apache-2.0",
    "mit": "MIT",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "cc0-1.0": "CC0-1.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc-by-nc-4.0": "CC-BY-NC-4.0",
    "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0",
    "cc-by-nd-4.0": "CC-BY-ND-4.0",
    "cc-by-nc-nd-4.0": "CC-BY-NC-ND-4.0",
    "gpl-3.0": "GPL-3.0-only",
    "agpl-3.0": "AGPL-3.0-only",
    "lgpl-3.0": "LGPL-3.0-only",
    "mpl-2.0": "MPL-2.0",
    "openrail": "LicenseRef-OpenRAIL",
    "unlicense": "Unlicense",
    "bsl-1.0": "BSL-1.0",
    "artistic-2.0": "Artistic-2.0",
    "wtfpl": "WTFPL",
}


class CardError(Exception):
    """The model card cannot be used; the message is the one line that says why."""


def _front_matter(text: str) -> tuple[str, int]:
    """The YAML between the first line `---` and the next `---` (or `...`), and the line it starts on."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r").rstrip() != "---":
        raise CardError("no YAML front matter: a Hugging Face model card starts with a line `---`")
    for index, line in enumerate(lines[1:], 1):
        if line.rstrip("\r").rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), 2
    raise CardError("the YAML front matter is not closed by a line `---`")


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= MAX_TEXT and value.isprintable():
        return value.strip()
    return None


def _names(value: Any, field: str, notes: list[str]) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else None
    if items is None:
        notes.append(f"`{field}` is not a string or a list of strings; not seeded")
        return []
    names = []
    for item in items[:MAX_ITEMS]:
        name = _text(item)
        if name is None:
            notes.append(f"an entry of `{field}` is not a short printable string; skipped")
        elif name not in names:
            names.append(name)
    if len(items) > MAX_ITEMS:
        notes.append(f"`{field}` has {len(items)} entries; the first {MAX_ITEMS} are seeded")
    return names


def _license(data: dict[str, Any], notes: list[str]) -> str | None:
    value = data.get("license")
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    name = _text(value)
    if name is None:
        notes.append("`license` is not a short printable string; not seeded")
        return None
    if name.lower() == "other":
        return _text(data.get("license_name")) or _text(data.get("license_link")) or "LicenseRef-other"
    return _SPDX.get(name.lower(), name)


def _metric(data: dict[str, Any], notes: list[str]) -> tuple[str | None, float | None]:
    index = data.get("model-index")
    if index is None:
        return None, None
    try:
        first = index[0]["results"][0]["metrics"][0]
        if not isinstance(first, dict):
            raise TypeError
    except (KeyError, IndexError, TypeError):
        notes.append("`model-index` has no results[0].metrics[0] mapping; no metric seeded")
        return None, None
    metric = _text(first.get("type")) or _text(first.get("name"))
    if metric is None:
        notes.append("the first `model-index` metric has no `type`; no metric seeded")
        return None, None
    value = first.get("value")
    threshold: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        threshold = float(value)
    elif value is not None:
        notes.append("the first `model-index` metric's `value` is not a number; threshold not seeded")
    return metric, threshold


def seeds(path: Path, max_bytes: int = MAX_CARD_BYTES) -> tuple[Seeds, list[str]]:
    """The seeds of the model card at `path` and notes on what was skipped; CardError if unusable."""
    from checker import manifest as manifest_mod
    from checker import safeio

    try:
        raw = safeio.read(path, max_bytes, None)  # named on the command line: trusted, still capped
    except safeio.ReadError as exc:
        raise CardError(str(exc)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardError(f"not UTF-8 (byte {exc.start}); a model card is UTF-8 Markdown") from None
    front, _ = _front_matter(text)
    if len(front.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise CardError(f"the YAML front matter is over {MAX_FRONT_MATTER_BYTES} bytes; not read")
    if not front.strip():
        raise CardError("the YAML front matter is empty")
    loaded = manifest_mod.load(
        front.encode("utf-8"), str(path), max_depth=MAX_DEPTH, max_nodes=MAX_NODES, document="model card front matter"
    )
    if isinstance(loaded, list):
        problem = loaded[0]
        where = f"line {problem.span.line + 1}: " if problem.span.line > 1 or problem.span.column > 1 else ""
        raise CardError(f"front matter {where}{problem.message}")
    data = loaded.data
    notes: list[str] = []
    metric, threshold = _metric(data, notes)
    found = Seeds(
        license=_license(data, notes),
        base_models=_names(data.get("base_model"), "base_model", notes),
        datasets=_names(data.get("datasets"), "datasets", notes),
        metric=metric,
        threshold=threshold,
        source=path.name,
    )
    return found, notes
