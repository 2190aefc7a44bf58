"""The command line: click parses options into plain values, then hands over.

Parsing stays apart from execution so each can be tested alone: every command
body is a call into checker.commands, which returns the exit code.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from checker import __version__
from checker.errors import UsageError
from checker.report import FORMATS
from checker.textsafe import printable

if TYPE_CHECKING:
    import datetime

_Command = TypeVar("_Command", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
STAGE_NAMES = ("exploration", "pilot", "production", "retired")
SEVERITY_NAMES = ("error", "warning", "note")
REPORT_FORMATS = ("html", "md", "json", "csv")  # checker.portfolio.render.FORMATS
# --max-file-size's ceiling: a manifest is read into memory whole. Beyond it (or a
# number too big for the OS) is a usage error, not an OverflowError mid-read.
MAX_FILE_SIZE = 1024**3


class _Path(click.Path):
    """click.Path that says a name the OS cannot take (an embedded NUL byte) is a bad
    parameter, exit 2, instead of letting os.stat's ValueError out as a traceback."""

    def convert(
        self, value: str | os.PathLike[str], param: click.Parameter | None, ctx: click.Context | None
    ) -> str | bytes | os.PathLike[str]:
        try:
            return super().convert(value, param, ctx)
        except ValueError as exc:
            self.fail(f"{value!r}: not a usable path ({exc})", param, ctx)


# One converter per kind of path, shared by every parameter of that kind: each click.Path
# asks gettext for its name when made (~0.1 ms each, two dozen parameters at every start).
PATHS = _Path(path_type=Path, readable=False)  # files or folders, opened later by aipolicy itself
PATH_IN = _Path(path_type=Path)  # a readable file or folder
FILE_IN = _Path(path_type=Path, dir_okay=False)  # a readable file
FILE_OUT = _Path(path_type=Path, dir_okay=False, readable=False)  # a file, perhaps not there yet


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime.date | None:
    if value is None:
        return None
    import datetime
    import re

    # fromisoformat alone also takes 20260101 and 2026-W01-1 from Python 3.11 on.
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _config_options(fn: _Command) -> _Command:
    fn = click.option(
        "--policy",
        "policies",
        multiple=True,
        type=PATH_IN,
        help="Add a policy pack: a file, a folder of *.yaml, or builtin:NAME (builtin:high-risk, builtin:eu-ai-act); repeatable.",
    )(fn)
    fn = click.option(
        "--config",
        "config_path",
        type=FILE_IN,
        help="Configuration file (default: .aipolicy.yaml or [tool.aipolicy] in pyproject.toml, "
        "searched from here up to the repository root).",
    )(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="aipolicy", message="%(prog)s %(version)s")
def cli() -> None:
    """aipolicy: is this AI system ready for production?

    Checks ai-production.yaml manifests against the v1 JSON Schema and the
    rule catalogue (owners, automated data, drift and accuracy monitoring,
    rollback, retraining, explainability, review dates, waivers).

    \b
    Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it
    (unreadable or invalid manifests included); 2 usage or configuration error.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=PATHS)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(tuple(FORMATS)),
    help="Output format; repeat and pair with --output for several reports in one run. "
    "Default: text, or github when GITHUB_ACTIONS=true.",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    type=FILE_OUT,
    help="Write the report of the matching --format here instead of stdout (- is stdout).",
)
@click.option(
    "--sarif-waived",
    type=click.Choice(("suppressed", "omit")),
    default=None,
    help="SARIF: keep waived and baselined findings as results with `suppressions` (suppressed), or leave them out (omit).  [default: suppressed]",
)
@click.option(
    "--stage",
    type=click.Choice(STAGE_NAMES),
    help="Judge every manifest as if at this stage (e.g. production before a promotion).",
)
@click.option(
    "--select",
    "select",
    multiple=True,
    metavar="RULE",
    help="Only report these rules: ids, slugs or prefixes such as AIP-MON (comma-separated or repeated).",
)
@click.option(
    "--ignore", "ignore", multiple=True, metavar="RULE", help="Never report these rules: ids, slugs or prefixes."
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITY_NAMES),
    default=None,
    help="Lowest severity that makes the exit code 1.  [default: error]",
)
@click.option(
    "--today",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Judge dates as of this day instead of today (reproducible CI runs).",
)
@click.option(
    "--warn-within",
    type=click.IntRange(0, 3650),
    default=None,
    metavar="DAYS",
    help="Note each date rule that will start failing within DAYS days (AIP-DUE-001); 0 turns the notes off.  [default: 14]",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(1, MAX_FILE_SIZE),
    default=1024 * 1024,
    show_default=True,
    metavar="BYTES",
    help="Larger manifests are reported, not read.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Findings only: no per-manifest diagnostic lines, no totals, no notes on stderr.",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when findings are at or above --fail-on (usage and configuration errors still exit 2).",
)
@click.option(
    "--statistics",
    is_flag=True,
    help="Print one line per rule that fired (count, id, slug), most frequent first, in place of the report on stdout (JSON with --format json).",
)
@click.option(
    "--stdin-filename",
    type=PATHS,
    metavar="PATH",
    help="With '-' as the path: where the manifest read from stdin lives (display path, configuration, *_ref paths, git rules).",
)
@click.option(
    "--no-color",
    is_flag=True,
    help="Never colour the output. Colour is used on a terminal, or when FORCE_COLOR (non-empty) or CLICOLOR_FORCE (not 0) is set; never when NO_COLOR is set to a non-empty value.",
)
@_config_options
@click.option(
    "--baseline",
    type=FILE_IN,
    metavar="FILE",
    help="Findings recorded in FILE (by --write-baseline) do not fail the run; only new ones do. "
    "Wins over `baseline:` in the configuration.",
)
@click.option(
    "--write-baseline",
    type=FILE_OUT,
    metavar="FILE",
    help="Record this run's findings in FILE as the baseline instead of reporting them; exit 0.",
)
@click.option(
    "--show-config", is_flag=True, help="Print the effective configuration and where each value came from, then exit."
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Only check manifests added, modified or renamed since REF (a branch, tag or commit; "
    "git), and report commitments they weakened since then (AIP-GIT-001). Deleted manifests get a note.",
)
@click.option(
    "--changed-only",
    is_flag=True,
    help="In a GitHub pull request: --changed-since origin/$GITHUB_BASE_REF "
    "(or $GITHUB_BASE_REF). Outside a pull request every manifest is checked.",
)
def check(
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    outputs: tuple[Path, ...],
    stage: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    today: datetime.date | None,
    warn_within: int | None,
    max_file_size: int,
    quiet: bool,
    exit_zero: bool,
    statistics: bool,
    stdin_filename: Path | None,
    baseline: Path | None,
    write_baseline: Path | None,
    sarif_waived: str | None,
    no_color: bool,
    config_path: Path | None,
    policies: tuple[Path, ...],
    show_config: bool,
    changed_since: str | None,
    changed_only: bool,
) -> None:
    """Find and check manifests under PATHS (files or folders; default: the current folder).

    Folders are searched recursively for ai-production.yaml, ai-production.yml,
    *.ai-production.yaml and *.ai-production.yml, skipping .git, node_modules, virtualenvs and what
    .gitignore ignores. Files named explicitly are checked whatever their name;
    '-' reads one manifest from stdin (see --stdin-filename).
    """
    from checker import commands

    raise SystemExit(
        commands.check(
            paths=list(paths) or [Path(".")],
            formats=list(formats),
            outputs=list(outputs),
            stage=stage,
            select=_split(select),
            ignore=_split(ignore),
            fail_on=fail_on,
            today=today,
            warn_within=warn_within,
            max_bytes=max_file_size,
            color=_want_color(no_color),
            config_path=config_path,
            policies=list(policies),
            show_config=show_config,
            changed_since=changed_since,
            changed_only=changed_only,
            quiet=quiet,
            exit_zero=exit_zero,
            statistics=statistics,
            stdin_filename=stdin_filename,
            baseline=baseline,
            write_baseline=write_baseline,
            sarif_waived=sarif_waived,
        )
    )


@cli.command()
@click.argument("paths", nargs=-1, type=PATHS)
@click.option(
    "--from-json",
    "from_json",
    multiple=True,
    type=FILE_OUT,
    metavar="FILE",
    help="Add the systems of another run: `aipolicy check --format json` output or an "
    "`aipolicy report --format json` inventory; repeatable. Without PATHS only these are reported.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default=None,
    help="html (one self-contained file), md (Markdown), json (the inventory), csv (one row per system).  "
    "[default: from --output's suffix, else md]",
)
@click.option(
    "--output",
    type=FILE_OUT,
    help="Write the report here instead of stdout.",
)
@click.option("--today", callback=_date, metavar="YYYY-MM-DD", help="Judge dates as of this day instead of today.")
@click.option(
    "--stuck-after",
    type=click.IntRange(1, 1200),
    default=None,
    metavar="MONTHS",
    help="A pilot is stuck after this many months at pilot by git history (config `stuck-after`).  [default: 14]",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(1, MAX_FILE_SIZE),
    default=1024 * 1024,
    show_default=True,
    metavar="BYTES",
    help="Larger manifests are reported, not read.",
)
@_config_options
def report(
    paths: tuple[Path, ...],
    from_json: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    today: datetime.date | None,
    stuck_after: int | None,
    max_file_size: int,
    config_path: Path | None,
    policies: tuple[Path, ...],
) -> None:
    """The portfolio: every AI system under PATHS (default: the current folder) and in
    --from-json files, where each stands, which pilots are stuck, what falls due next.

    \b
    Exit codes: 0 a report was written (findings do not fail it: see 'aipolicy check');
    2 usage error, or a --from-json file that cannot be read (one line naming it).
    """
    from checker import commands

    raise SystemExit(
        commands.report(
            paths=list(paths),
            from_json=list(from_json),
            fmt=fmt,
            output=output,
            today=today,
            stuck_after=stuck_after,
            config_path=config_path,
            policies=list(policies),
            max_bytes=max_file_size,
        )
    )


@cli.command()
@click.argument("paths", nargs=-1, type=PATHS)
@click.option(
    "--framework",
    required=True,
    metavar="NAME",
    help="The framework: eu-ai-act, nist-ai-600-1 or iso-42001 (a built-in pack with a requirement list).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "md", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    type=FILE_OUT,
    help="Write the table here instead of stdout.",
)
@click.option("--today", callback=_date, metavar="YYYY-MM-DD", help="Judge dates as of this day instead of today.")
@click.option(
    "--max-file-size",
    type=click.IntRange(1, MAX_FILE_SIZE),
    default=1024 * 1024,
    show_default=True,
    metavar="BYTES",
    help="Larger manifests are reported, not read.",
)
@_config_options
def coverage(
    paths: tuple[Path, ...],
    framework: str,
    fmt: str,
    output: Path | None,
    today: datetime.date | None,
    max_file_size: int,
    config_path: Path | None,
    policies: tuple[Path, ...],
) -> None:
    """A framework's requirements (articles, controls, risks), the rules that check each, and per
    manifest under PATHS (default: the current folder) pass, fail, warn, waived or n/a. The
    framework's pack is loaded in addition to the configured ones; requirements no rule can
    check from a manifest are listed as such, with why.

    \b
    Exit codes: 0 the table was written (findings do not fail it: see 'aipolicy check');
    2 usage error (an unknown framework: one line listing the known ones).
    """
    from checker import coverage as coverage_mod

    raise SystemExit(
        coverage_mod.coverage(
            framework=framework,
            paths=list(paths),
            fmt=fmt,
            output=output,
            today=today,
            config_path=config_path,
            policies=list(policies),
            max_bytes=max_file_size,
        )
    )


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@_config_options
def rules(fmt: str, config_path: Path | None, policies: tuple[Path, ...]) -> None:
    """List every rule: id, slug, question, severity per stage, summary (custom packs included)."""
    from checker import commands

    raise SystemExit(commands.rules(fmt, config_path, list(policies)))


@cli.command()
@click.argument("rule")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@_config_options
def explain(rule: str, fmt: str, config_path: Path | None, policies: tuple[Path, ...]) -> None:
    """Explain RULE (an id such as AIP-MON-001 or a slug such as drift-monitor)."""
    from checker import commands

    raise SystemExit(commands.explain(rule, fmt, config_path, list(policies)))


@cli.command("config")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@_config_options
def config_command(fmt: str, config_path: Path | None, policies: tuple[Path, ...]) -> None:
    """Print the effective configuration and where each value came from."""
    from checker import commands, session

    config, _ = session.load_settings(config_path, list(policies))
    raise SystemExit(commands.print_config(config, fmt))


@cli.command("test-policies")
@click.argument("directory", required=False, type=PATHS)
@click.option("--format", "fmt", type=click.Choice(("text", "junit")), default="text", show_default=True)
@click.option(
    "--output",
    type=FILE_OUT,
    help="Write the report here instead of stdout.",
)
@_config_options
def test_policies(
    directory: Path | None, fmt: str, output: Path | None, config_path: Path | None, policies: tuple[Path, ...]
) -> None:
    """Run policy test cases in DIRECTORY (default: policy-tests/).

    Each case is a manifest whose leading comments state what the effective
    policy must report: `# expect: RULE-ID @ LINE SEVERITY` (the rule's findings are at
    exactly the lines stated, with that severity; without `@ LINE`: anywhere; the
    severity is optional), `# expect-not: RULE-ID`,
    optionally `# stage: STAGE` and `# today: YYYY-MM-DD`. Exit 1 when a case fails.
    """
    from checker import commands

    raise SystemExit(
        commands.test_policies(directory or Path("policy-tests"), fmt, output, config_path, list(policies))
    )


@cli.command()
@click.argument("path", required=False, type=PATH_IN)
@click.option(
    "--stage",
    type=click.Choice(STAGE_NAMES),
    default="pilot",
    show_default=True,
    help="Which stage's fields the starter asks for.",
)
@click.option(
    "--from-model-card",
    "from_model_card",
    type=FILE_OUT,
    metavar="FILE",
    help="Seed the starter from a Hugging Face model card's front matter (license, base_model, "
    "datasets, the first model-index metric); read from FILE, never fetched.",
)
def init(path: Path | None, stage: str, from_model_card: Path | None) -> None:
    """Write a commented starter manifest to PATH (default ./ai-production.yaml); never overwrites."""
    from checker import commands

    raise SystemExit(commands.init(path or Path("ai-production.yaml"), stage, from_model_card))


@cli.command()
def schema() -> None:
    """Print the v1 JSON Schema (for yaml-language-server and SchemaStore)."""
    from checker import commands

    raise SystemExit(commands.schema())


@cli.command()
@click.argument("path", type=PATHS)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("cyclonedx", "model-card")),
    required=True,
    help="cyclonedx: a CycloneDX 1.6 JSON ML-BOM; model-card: a Markdown model card.",
)
@click.option(
    "--output",
    type=FILE_OUT,
    help="Write it here instead of stdout (never over the manifest or another manifest name).",
)
@click.option(
    "--today",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="CycloneDX: the BOM's timestamp (SOURCE_DATE_EPOCH wins); without either the BOM has none.",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(1, MAX_FILE_SIZE),
    default=1024 * 1024,
    show_default=True,
    metavar="BYTES",
    help="A larger manifest is refused, not read.",
)
def export(path: Path, fmt: str, output: Path | None, today: datetime.date | None, max_file_size: int) -> None:
    """Export the manifest at PATH (a file, or a folder holding ai-production.yaml) as a
    CycloneDX ML-BOM or a Markdown model card. The same manifest gives the same bytes.

    \b
    Exit codes: 0 written; 2 usage error, or a manifest that does not load or fails the
    schema (one line on stderr: path:line:col: why; nothing is written).
    """
    from checker import commands

    raise SystemExit(commands.export(path, fmt, output, today, max_file_size))


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _want_color(no_color: bool) -> bool:
    """--no-color and NO_COLOR (no-color.org: a non-empty value) always win; then
    FORCE_COLOR (force-color.org: any non-empty value) or CLICOLOR_FORCE (bixense.com/clicolors:
    set and not 0) force colour; else colour only on a terminal."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    return sys.stdout.isatty()


# click >= 8.2 raises this for a bare group; older click prints the help itself.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _ClosedStream:
    """Standard output when the process was started with it closed (`>&-`)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return 1  # the descriptor it stands for, closed (or pointed at /dev/null once a write failed)


def _unwritable_stdout(exc: OSError) -> int:
    # Nothing more can go to stdout; point it at /dev/null so the exit-time flush is quiet too.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass
    sys.stdout = _ClosedStream()
    click.echo(f"aipolicy: error: cannot write to standard output: {exc.strerror or exc}", err=True)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """Entry point: every failure becomes an exit code and one line, never a traceback."""
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    try:
        cli.main(args=argv, prog_name="aipolicy", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except click.exceptions.Abort:
        click.echo("aipolicy: interrupted", err=True)
        return 130
    except _NO_ARGS_IS_HELP as exc:  # bare `aipolicy`: that is a request for help
        click.echo(exc.ctx.get_help())
        return EXIT_OK
    except click.ClickException as exc:
        message = printable(exc.format_message().replace("\n", " "))
        hint = ""
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        click.echo(f"aipolicy: error: {message}{hint}", err=True)
        return EXIT_USAGE
    except UsageError as exc:
        # One line whatever the message quotes: a config key or file name may hold a newline.
        click.echo(f"aipolicy: error: {printable(exc)}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `aipolicy check | head`: the reader left; that is not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        # `> /dev/full`, `>&-`: the report cannot be written, which the caller must hear.
        if exc.errno in (errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT, errno.EFBIG):
            return _unwritable_stdout(exc)
        raise
    return EXIT_OK
