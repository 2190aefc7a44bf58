"""Assemble the effective policy: the built-in catalogue, packs from the config
and --policy, their `extends`, and the packs' own severity overrides.

Packs are local files or folders, or `builtin:NAME` for a pack shipped in
policies/; nothing is ever fetched. Rule ids starting with `AIP-` belong to
packs shipped with aipolicy. A pack named by a repository's configuration, and
what any pack inside a repository extends, must resolve inside that repository
(checker/safeio.py); `--policy` and built-in packs are read as given.
"""

from __future__ import annotations

import os
from pathlib import Path

from checker import resources
from checker.policy import Policy, PolicyError, add_pack, load_builtin, load_pack
from checker.schema import echo

BUILTIN_PREFIX = "builtin:"


def builtin_packs() -> list[str]:
    return sorted(p.stem for p in resources.policies_dir().glob("*.yaml") if p.stem != "core")


def _resolve(spec: str, base: Path) -> list[Path]:
    if spec.startswith(BUILTIN_PREFIX):
        name = spec[len(BUILTIN_PREFIX) :]
        path = resources.policies_dir() / f"{name}.yaml"
        if name == "core" or not path.is_file():
            known = ", ".join(f"builtin:{n}" for n in builtin_packs())
            raise PolicyError(f"unknown built-in pack '{echo(spec)}' (known: {known})")
        return [path]
    if "://" in spec:
        raise PolicyError(f"{echo(spec)}: policy packs are local files; URLs are never fetched")
    path = base / spec
    # os.path, not Path: a name too long to stat is "not found", not an OSError.
    if os.path.isdir(path):
        try:
            files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read folder: {exc.strerror or exc}") from None
        if not files:
            raise PolicyError(f"{echo(spec)}: folder holds no policy pack (*.yaml)")
        return files
    if not os.path.isfile(path):
        raise PolicyError(f"{echo(spec)}: policy pack not found")
    return [path]


class _Loader:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.loaded: set[Path] = set()

    def load(
        self, path: Path, chain: tuple[Path, ...] = (), via: str | None = None, within: Path | None = None
    ) -> None:
        """Load the pack at `path` and what it extends; `within`: the folder it must resolve
        inside (None: the operator's). What a pack inside a repository extends stays inside."""
        from checker import safeio

        resolved = path.resolve()
        if resolved in chain:
            raise PolicyError(f"{via or path}: extends cycle: {echo(path.name)} is already being read")
        if resolved in self.loaded:
            return  # two packs extending the same one share it
        builtin = resolved.parent == resources.policies_dir().resolve()
        data, where = load_pack(path, within=None if builtin else within)
        parents_within = None if builtin else safeio.repository_of(path) or within
        for index, parent in enumerate(data.get("extends", [])):
            try:
                targets = _resolve(parent, path.parent)
            except PolicyError as exc:
                raise PolicyError(f"{where(('extends', index))}: {exc}") from None
            for target in targets:
                self.load(target, (*chain, resolved), where(("extends", index)), parents_within)
        if not builtin:
            for index, rule in enumerate(data.get("rules", [])):
                if str(rule.get("id", "")).upper().startswith("AIP-"):
                    raise PolicyError(
                        f"{where(('rules', index, 'id'))}: rule {rule['id']}: ids starting with AIP- are reserved "
                        "for aipolicy's own rules; use your organisation's prefix (e.g. ACME-HUM-001)"
                    )
        add_pack(self.policy, data, str(path), where)
        if data.get("severity"):
            self.policy = self.policy.with_severity(data["severity"], str(path))
        self.loaded.add(resolved)


def build_policy(specs: list[tuple[str, Path, str, Path | None]]) -> Policy:
    """The built-in catalogue plus `specs` ((spec, folder it is relative to, where it was named,
    folder it must resolve inside or None for the operator's)). The configuration's own
    `severity` is applied by session.load_settings, which checks its rule names at their keys first."""
    base = load_builtin()
    if not specs:
        return base
    loader = _Loader(base.copy())
    for spec, folder, named_at, within in specs:
        try:
            paths = _resolve(spec, folder)
        except PolicyError as exc:
            raise PolicyError(f"{named_at}: {exc}") from None
        for path in paths:
            loader.load(path, within=within)
    return loader.policy
