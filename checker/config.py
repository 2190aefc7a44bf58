"""Configuration: `.aipolicy.yaml`, `[tool.aipolicy]` in pyproject.toml, or --config.

Found from the current folder upwards to the repository root; command-line
options win over it. A file found by that search, and every `extends` a file
inside a repository names, is read through checker/safeio.py and must resolve
inside the repository; `--config` is the operator's and read as given. Every value remembers where it came from, for
`aipolicy config`. A bad file is a UsageError naming file:line:col and the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker import resources
from checker.errors import UsageError
from checker.findings import Span
from checker.manifest import DEFAULT_MAX_BYTES, PathT
from checker.records import field, record
from checker.schema import echo  # names and values quoted back: escaped, one short line

CONFIG_NAMES = (".aipolicy.yaml", ".aipolicy.yml")
MAX_BYTES = DEFAULT_MAX_BYTES  # a configuration is a few lines; 1 MiB is far beyond any real one

_STAR_RUNS = re.compile(r"\*{3,}")  # `***` and longer: `**`
_INNER_STARS = re.compile(r"(?<=[^/])\*\*+|\*\*+(?=[^/])")  # `a**b`: a star within a name


@record
class Override:
    paths: list[str]
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Any] = field(default_factory=dict)
    max_severity: str | None = None
    source: str = ""
    key: str = "overrides"  # `overrides[N]`, as its file numbers it, for messages
    locations: dict[PathT, str] = field(default_factory=dict, repr=False)  # ("select", i) -> "file:line:col"
    select_ids: frozenset[str] | None = field(default=None, repr=False)  # set by resolve()
    ignore_ids: frozenset[str] = field(default=frozenset(), repr=False)
    resolved: bool = field(default=False, repr=False)
    _globs: list[Any] | None = field(default=None, repr=False)

    def matches(self, rel_path: str) -> bool:
        return any(glob(rel_path) for glob in self.globs())

    def globs(self) -> list[Any]:
        """The compiled `paths`; a pattern git would not read (`[z-a]`) is a UsageError at its item."""
        if self._globs is None:
            compiled = []
            for index, pattern in enumerate(self.paths):
                try:
                    compiled.append(_compile_glob(pattern))
                except (ValueError, re.error) as exc:
                    where = self.locations.get(("paths", index), self.source)
                    raise UsageError(
                        f"{where}: {self.key}.paths[{index}]: {echo(pattern)} is not a "
                        f"gitignore-style pattern: {getattr(exc, 'msg', exc)}"
                    ) from None
            self._globs = compiled
        return self._globs

    def resolve(self, policy: Any) -> None:
        """Turn the rule names into rule ids once, before any file is checked: an unknown
        name is a UsageError at its own item, never an error half-way through a run."""
        if self.resolved:
            return
        self.globs()

        def where(sub: str) -> Callable[[int, str], str]:
            return lambda i, name: self.locations.get((sub, name if sub == "severity" else i), self.source)

        if self.select is not None:
            self.select_ids = frozenset(rule_ids(policy, self.select, f"{self.key}.select", where("select")))
        self.ignore_ids = frozenset(rule_ids(policy, self.ignore, f"{self.key}.ignore", where("ignore")))
        rule_ids(policy, list(self.severity), f"{self.key}.severity", where("severity"))
        self.resolved = True


def rule_ids(policy: Any, names: list[str], key: str, locate: Callable[[int, str], str]) -> set[str]:
    """The rule ids that configuration value `key` names (ids, slugs or prefixes); an
    unknown name is a UsageError at its item: `file:4:13: overrides[0].select: no such rule NOPE`."""
    from checker.policy import PolicyError

    chosen: set[str] = set()
    for index, name in enumerate(names):
        try:
            chosen |= policy.resolve([name], key)
        except PolicyError:
            hint = policy.suggest(name)
            raise UsageError(
                f"{locate(index, name)}: {key}: no such rule {echo(name)}"
                + (f"; did you mean {hint}?" if hint else " (see 'aipolicy rules')")
            ) from None
    return chosen


def _glob_match(path: str, pattern: str) -> bool:
    return _compile_glob(pattern)(path)


def _compile_glob(pattern: str) -> Callable[[str], bool]:
    """A matcher for one `overrides[].paths` glob, in git's gitignore syntax (pathspec,
    on RE2: linear time whatever the pattern). As always: `**` spans folders, a pattern
    without `/` matches a file name anywhere, a trailing `/` takes everything below it
    (at the repository root), and a leading `/` changes nothing."""
    import pathspec  # only a run whose configuration has overrides pays for it

    pattern = _STAR_RUNS.sub("**", pattern.strip()).lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    # Any other run of stars inside a name is one star, as git reads it.
    pattern = _INNER_STARS.sub("*", pattern)
    spec = pathspec.PathSpec.from_lines("gitignore", [pattern], backend=_glob_backend())
    if "/" not in pattern:
        return lambda path: spec.match_file(path.rsplit("/", 1)[-1])
    return spec.match_file


def _glob_backend() -> str | None:
    try:
        import re2  # noqa: F401  a dependency; without it pathspec's own matcher still sees collapsed stars
    except ImportError:
        return None
    return "re2"


@record
class Config:
    root: Path
    files: list[Path] = field(default_factory=list)
    # (spec, folder it is relative to, where it was named, folder it must resolve inside or None: the operator's)
    policies: list[tuple[str, Path, str, Path | None]] = field(default_factory=list)
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Any] = field(default_factory=dict)
    fail_on: str = "error"
    warn_within: int = 14  # AIP-DUE-001's window in days; 0: no deadline notes
    stuck_after: int = 14  # AIP-GIT-005 and the portfolio: months at pilot before a pilot is stuck
    stage: str | None = None
    manifest_names: list[str] = field(default_factory=list)
    waivers_allowed: bool = True
    forbidden_waivers: list[str] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    baseline: Path | None = None  # checker/baseline.py: findings recorded there do not fail the run
    baseline_within: Path | None = None  # the folder a configuration's baseline must lie inside (None: the operator's)
    origin: dict[str, str] = field(default_factory=dict)  # key -> "file:line", "command line" or "default"
    locations: dict[PathT, str] = field(default_factory=dict, repr=False)  # ("select", i) -> "file:line:col"

    def set(self, key: str, value: Any, origin: str) -> None:
        setattr(self, key.replace("-", "_"), value)
        self.origin[key] = origin

    def effective(self) -> dict[str, Any]:
        return {
            "files": [str(f) for f in self.files],
            "policies": [spec for spec, *_ in self.policies],
            "select": self.select,
            "ignore": self.ignore,
            "severity": self.severity,
            "fail-on": self.fail_on,
            "warn-within": self.warn_within,
            "stuck-after": self.stuck_after,
            "stage": self.stage,
            "manifest-names": self.manifest_names,
            "waivers": {"allowed": self.waivers_allowed, "forbidden-rules": self.forbidden_waivers},
            "overrides": [
                {
                    "paths": o.paths,
                    "select": o.select,
                    "ignore": o.ignore,
                    "severity": o.severity,
                    "max-severity": o.max_severity,
                    "from": o.source,
                }
                for o in self.overrides
            ],
            "baseline": str(self.baseline) if self.baseline is not None else None,
        }


def find_config(start: Path, root: Path | None) -> Path | None:
    """The nearest config at or above `start`, not above the repository root."""
    current = start.resolve()
    stop = root.resolve() if root else current
    while True:
        for name in CONFIG_NAMES:
            if (current / name).is_file():
                return current / name
        pyproject = current / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject, stop) is not None:
            return pyproject
        if current == stop or current.parent == current or stop not in current.parents:
            return None
        current = current.parent


def _contents(path: Path, root: Path | None) -> bytes:
    """The file's bytes through checker/safeio.py (non-blocking, capped); with a `root`
    the whole resolved path must lie inside it (`root=None`: the operator's file)."""
    from checker import safeio

    try:
        return safeio.read(path, MAX_BYTES, root)
    except safeio.ReadError as exc:
        raise UsageError(f"{path}: cannot read config: {exc}") from None


def _pyproject_section(path: Path, root: Path | None = None) -> dict[str, Any] | None:
    try:
        import tomllib  # type: ignore[import-not-found]  # mypy checks as Python 3.10, whose stdlib has none
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(_contents(path, root).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    section = tool.get("aipolicy") if isinstance(tool, dict) else None  # another tool's odd `tool` is not ours
    if section is not None and not isinstance(section, dict):
        raise UsageError(f"{path}: [tool.aipolicy] must be a table")
    return section


def _validator() -> Any:
    import json

    from checker.schema import build_validator

    schema = json.loads((resources.schemas_dir() / "config.schema.json").read_text(encoding="utf-8"))
    return build_validator(schema)


def _line_in_toml(text: str, key: str) -> int:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("[tool.aipolicy")), 0)
    for i in range(start, len(lines)):
        if lines[i].strip().startswith((key, f'"{key}"')):
            return i + 1
    return start + 1


def _read(path: Path, root: Path | None) -> tuple[dict[str, Any], Callable[[PathT], str]]:
    """Data plus a span lookup (`path -> "file:line:col"`) for messages; `root` as for _contents."""
    from checker import manifest as manifest_mod
    from checker import schema

    if path.name == "pyproject.toml":
        data = _pyproject_section(path, root) or {}
        text = _contents(path, root).decode("utf-8")

        def spans(p: PathT) -> str:
            return f"{path}:{_line_in_toml(text, str(p[0])) if p else 1}:1"

        fake = manifest_mod.Manifest(str(path), data)
    else:
        raw = _contents(path, root)
        loaded = manifest_mod.load(raw, str(path), document="configuration")
        if isinstance(loaded, list):
            p = loaded[0]
            what = p.message if "configuration" in p.message else f"bad configuration: {p.message}"
            raise UsageError(f"{path}:{p.span.line}:{p.span.column}: {what}")
        data, fake = loaded.data, loaded

        def spans(p: PathT) -> str:
            span: Span = loaded.key_span(p) if p in loaded.key_spans else loaded.span(p)
            return f"{path}:{span.line}:{span.column}"

    found = schema.issues(_validator(), fake)
    if found:
        span, text, node = found[0]
        where = spans(node) if path.name == "pyproject.toml" else f"{path}:{span.line}:{span.column}"
        raise UsageError(f"{where}: {text.replace('the top level', 'the configuration')}")
    return data, spans


def load(path: Path | None, root: Path, _chain: tuple[Path, ...] = (), trusted: bool = False) -> Config:
    """The configuration in `path` (and what it extends). A file found by search must
    resolve inside `root`; `trusted` (--config) is read as given."""
    config = Config(root=root)
    if path is None:
        return config
    _merge_file(config, path, _chain, None if trusted else root)
    return config


def _merge_file(config: Config, path: Path, chain: tuple[Path, ...], within: Path | None) -> None:
    resolved = path.resolve()
    data, where = _read(path, within)
    base = path.parent
    # What a file inside a repository extends is the repository's word: it stays inside.
    from checker import safeio

    parents_within = safeio.repository_of(path) or within
    for index, parent in enumerate(data.get("extends", [])):
        at = f"{where(('extends', index))}: extends[{index}]"
        if parent.startswith("builtin:"):
            raise UsageError(
                f"{at}: a configuration extends other configuration files; "
                f"load built-in packs with `policies: [{echo(parent)}]`"
            )
        target = base / parent
        if target.resolve() in (*chain, resolved):
            raise UsageError(f"{at}: extends cycle: {echo(parent)} is already being read")
        if not os.path.isfile(target):  # False, not an error, for a name too long to stat
            raise UsageError(f"{at}: no such configuration file {echo(parent)}")
        _merge_file(config, target, (*chain, resolved), parents_within)
    config.files.append(path)
    for index, spec in enumerate(data.get("policies", [])):
        config.policies.append((spec, base, where(("policies", index)), parents_within))
        config.origin["policies"] = where(("policies",))
    for key in ("select", "ignore", "fail-on", "warn-within", "stuck-after", "stage", "manifest-names"):
        if key in data:
            config.set(key, data[key], where((key,)))
    for key, value in (
        ("select", data.get("select")),
        ("forbidden_waivers", data.get("waivers", {}).get("forbidden-rules")),
        ("ignore", data.get("ignore")),
    ):
        node = ("waivers", "forbidden-rules") if key == "forbidden_waivers" else (key,)
        for i in range(len(value or [])):
            config.locations[(key, i)] = where((*node, i))
    if "severity" in data:
        config.severity = {**config.severity, **data["severity"]}
        config.origin["severity"] = where(("severity",))
        config.locations.update({("severity", name): where(("severity", name)) for name in data["severity"]})
    if "baseline" in data:
        _set_baseline(config, data["baseline"], base, where(("baseline",)), parents_within)
    waivers = data.get("waivers", {})
    if "allowed" in waivers:
        config.set("waivers_allowed", waivers["allowed"], where(("waivers", "allowed")))
    if "forbidden-rules" in waivers:
        config.set("forbidden_waivers", waivers["forbidden-rules"], where(("waivers", "forbidden-rules")))
    for index, item in enumerate(data.get("overrides", [])):
        at_item: PathT = ("overrides", index)
        locations: dict[PathT, str] = {
            (key, i): where((*at_item, key, i))
            for key in ("paths", "select", "ignore")
            for i in range(len(item.get(key) or []))
        }
        locations.update({("severity", name): where((*at_item, "severity", name)) for name in item.get("severity", {})})
        config.overrides.append(
            Override(
                paths=item["paths"],
                select=item.get("select"),
                ignore=item.get("ignore", []),
                severity=item.get("severity", {}),
                max_severity=item.get("max-severity"),
                source=where(at_item),
                key=f"overrides[{index}]",
                locations=locations,
            )
        )


def _set_baseline(config: Config, spec: str, base: Path, at: str, within: Path | None) -> None:
    """`baseline:` names a file relative to the configuration's folder; a configuration inside a
    repository names one inside it (an absolute path, `../x` or a link out is a UsageError here
    or when it is read, through checker/safeio.py)."""
    from checker import safeio

    if "\0" in spec:
        raise UsageError(f"{at}: baseline: {echo(spec)} is not a usable file name (it holds a NUL byte)")
    target = base / spec
    if within is not None:
        if os.path.isabs(spec) or spec.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", spec):
            raise UsageError(
                f"{at}: baseline: {echo(spec)} is an absolute path; name the file relative to "
                "this configuration, inside the repository"
            )
        if not safeio.inside(target, within):
            raise UsageError(
                f"{at}: baseline: {echo(spec)} lies outside the repository ({echo(within)}); "
                "a repository's configuration names files inside it"
            )
    config.baseline, config.baseline_within = target, within
    config.origin["baseline"] = at
