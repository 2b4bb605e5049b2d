"""The ``tally`` command line: options, streams, calling the library, exit statuses.

Nothing here computes anything: each command parses its options, calls the library, picks a
renderer and maps errors to exit statuses (contract section 5).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from casualty_cli import __version__
from casualty_cli.collector import paused_gc
from casualty_cli.errors import ExitStatus, Finding, OutputError, TallyError

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("auto", "table", "csv", "tsv", "json", "ndjson", "markdown")
_EXTENSION_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "table",
}


@dataclass(frozen=True)
class Settings:
    debug: bool = False


class TallyGroup(click.Group):
    """Turns tally's own errors into one-line messages and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            # Millions of objects at once and no cycles: see collector.py.
            with paused_gc():
                return super().invoke(ctx)
        except TallyError as error:
            report_error(error)
            ctx.exit(ExitStatus.DATA_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(ExitStatus.INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`| head`): stay quiet, as the Python docs recommend, and
            # point stdout at devnull so that the interpreter's final flush cannot fail either.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(ExitStatus.DATA_ERROR)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if _debug(ctx):
                raise
            click.echo(
                f"Error: internal error ({type(error).__name__}: {error}); "
                "this is a bug in tally: run again with --debug for the traceback "
                "and please report it",
                err=True,
            )
            ctx.exit(ExitStatus.DATA_ERROR)


def _debug(ctx: click.Context) -> bool:
    settings = ctx.find_object(Settings)
    return bool(settings and settings.debug)


def report_error(error: TallyError) -> None:
    from casualty_cli.render.safe import terminal_text

    if error.findings:
        for finding in error.findings:
            click.echo(terminal_text(f"Error: {finding}"), err=True)
        click.echo(terminal_text(f"Error: {error.message}; nothing was written."), err=True)
    else:
        click.echo(terminal_text(f"Error: {error}"), err=True)


def report_warnings(findings: Sequence[Finding], *, quiet: bool = False) -> None:
    from casualty_cli.render.safe import terminal_text

    if quiet:
        return
    for finding in findings:
        if not finding.is_error:
            click.echo(terminal_text(f"Warning: {finding}"), err=True)


def report_notes(notes: Sequence[str], findings: Sequence[Finding], *, quiet: bool = False) -> None:
    """The engine's notes that are not already printed as warnings, on standard error."""
    from casualty_cli.render.safe import terminal_text

    if quiet:
        return
    printed = {str(finding) for finding in findings}
    for note in notes:
        if note not in printed:
            click.echo(terminal_text(f"Note: {note}"), err=True)


def run() -> None:
    """The ``tally`` command: :func:`main`, then out without the interpreter's last collection.

    Python collects once more on its way out, walking every object still alive: 0.7 s after
    reading a million reports.  None of tally's objects can be cyclic garbage, so they are
    frozen out of its way (not in :func:`main` itself: tests call it in a process that goes on).
    """
    one_blas_thread()
    try:
        main()
    finally:
        gc.freeze()


# The libraries numpy may do its linear algebra with, and how each is told how many threads to use.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def one_blas_thread() -> None:
    """One thread for numpy's linear algebra, unless the user says otherwise, before numpy loads.

    A large reconciliation already runs two engine processes, one per CPU; BLAS threads on top
    of them fight for the same CPUs (a million reports with national totals: 70 s, against 41 s
    with one thread each, same bytes), and the small solves of a smaller file gain nothing.
    """
    for name in _BLAS_THREADS:
        os.environ.setdefault(name, "1")


@click.group(cls=TallyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="tally")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """tally: reconcile competing casualty reports into best estimates with ranges.

    Reads reports (YAML, CSV/TSV, JSON, NDJSON, or - for standard input) and says how many
    died, how sure we can be, and why.

    \b
    Examples:
      tally reconcile examples/syrian-coast-2025.yaml
      tally explain examples/syrian-coast-2025.yaml --category civilians
      tally validate examples/syrian-coast-2025.yaml
      tally parse "more than 1,000" "dozens" "March 2025"
    """
    ctx.obj = Settings(debug=debug)


# --- shared options -----------------------------------------------------------------------


def input_options(function: F) -> F:
    """Options that say how to read the input files, shared by every command that reads them."""
    options = [
        click.argument("files", nargs=-1, type=click.Path(allow_dash=True, dir_okay=True)),
        click.option(
            "--input-format",
            type=click.Choice(["yaml", "csv", "tsv", "json", "ndjson"]),
            help="Read every input as this format (default: from the extension or the content).",
        ),
        click.option(
            "--encoding",
            metavar="NAME",
            help="Text encoding of the input (default UTF-8; e.g. cp1252, cp1256, latin-1).",
        ),
        click.option(
            "-d", "--delimiter", metavar="CHAR", help="Field delimiter of CSV input (no sniffing)."
        ),
        click.option(
            "--date-order",
            type=click.Choice(["dmy", "mdy", "ymd"]),
            help="How to read numeric dates such as 03/07/2025 when both readings are possible.",
        ),
        click.option(
            "--thousands",
            type=click.Choice([".", ","]),
            help="The thousands separator: '.' reads 1.234 as 1234 (decimals are never counts). "
            "Default: ',' but '.' in ';'-separated files.",
        ),
        click.option(
            "--sources",
            "sources_file",
            type=click.Path(dir_okay=False),
            help="A YAML file with a 'sources:' mapping (grades, names, aliases), for CSV input.",
        ),
        click.option(
            "--max-field-size",
            type=click.IntRange(1),
            default=1_048_576,
            show_default=True,
            help="Largest CSV field accepted, in characters.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def output_options(function: F) -> F:
    options = [
        click.option(
            "-f",
            "--format",
            "output_format",
            type=click.Choice(FORMATS),
            default="auto",
            show_default=True,
            help="Output format; auto is a table on a terminal and CSV otherwise.",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True),
            help="Write the output to this file (atomically; never over an input).",
        ),
        click.option(
            "--excel-safe/--no-excel-safe",
            default=True,
            show_default=True,
            help="Neutralise CSV/TSV cells a spreadsheet would run as formulas.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print no warnings, only errors."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@contextlib.contextmanager
def _progress_bar(*, quiet: bool, paths: Sequence[str] = ()) -> Iterator[_Progress | None]:
    """A progress bar on standard error for a large run, when it is a terminal (else None).

    Transient, and drawn only when told: no thread of its own, so that the readers and the
    engine may still fork.  A small input is never split, so it never draws one (nor imports
    rich for it).
    """
    if quiet or not _is_terminal(sys.stderr):
        yield None
        return
    progress = _Progress(_input_bytes(paths))
    try:
        yield progress
    finally:
        progress.stop()


class _Progress:
    """One transient bar: first that a large input is being read, then the parts as they end.

    Inputs of ``READING_NOTICE_BYTES`` or more say so while they are read (a million reports
    take seconds); :meth:`read` takes that away, and :meth:`parts` counts the parts.
    """

    def __init__(self, size: int) -> None:
        self._bar: Any = None
        self._reading: Any = None
        self._parts: Any = None
        if size >= READING_NOTICE_BYTES:
            bar = self._started()
            self._reading = bar.add_task(f"reading {size / 1e6:,.0f} MB", total=None, count="")
            bar.refresh()

    def read(self) -> None:
        """The input is read: the notice goes."""
        if self._reading is not None:
            self._bar.remove_task(self._reading)
            self._reading = None
            self._bar.refresh()

    def parts(self, done: int, total: int) -> None:
        """``done`` parts of ``total`` are reconciled."""
        self.read()
        bar = self._started()
        if self._parts is None:
            self._parts = bar.add_task("reconciling, in parts", total=total, count="")
        count = f"{done}/{total}"
        bar.update(self._parts, completed=done, total=total, count=count, refresh=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _started(self) -> Any:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[count]}"),
                console=Console(stderr=True, force_terminal=True),
                transient=True,
                auto_refresh=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._bar.start()
        return self._bar


READING_NOTICE_BYTES = 8 * 1_048_576
"""Inputs this large take long enough to read that the bar says so first."""


def _input_bytes(paths: Sequence[str]) -> int:
    """The size of the input files (standard input counts nothing: its size is unknown)."""
    total = 0
    for path in paths:
        if path != "-":
            with contextlib.suppress(OSError):  # missing or unreadable: the load says why
                total += os.path.getsize(path)
    return total


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _input_paths(files: Sequence[str]) -> list[str]:
    stdin_is_terminal = _is_terminal(sys.stdin)
    if not files:
        if stdin_is_terminal:
            raise click.UsageError("no input: give a FILE, or pipe reports in and use -")
        return ["-"]
    if "-" in files and stdin_is_terminal:
        raise click.UsageError("reading from standard input, which is a terminal: pipe data in")
    return list(files)


def _load_options(
    *,
    input_format: str | None,
    encoding: str | None,
    delimiter: str | None,
    date_order: str | None,
    thousands: str | None,
    sources_file: str | None,
    max_field_size: int,
) -> Any:
    from casualty_cli.grammar.dates import DateOrder
    from casualty_cli.load import LoadOptions
    from casualty_cli.readers import ReadOptions
    from casualty_cli.readers.raw import InputFormat

    if delimiter is not None and len(delimiter.encode("unicode_escape").decode()) > 2:
        delimiter = delimiter.encode().decode("unicode_escape")
    if delimiter is not None and len(delimiter) != 1:
        raise click.BadParameter("a delimiter is one character", param_hint="--delimiter")
    read = ReadOptions(
        input_format=InputFormat(input_format) if input_format else None,
        encoding=encoding,
        delimiter=delimiter,
        max_field_size=max_field_size,
    )
    return LoadOptions(
        read=read,
        date_order=DateOrder(date_order) if date_order else None,
        dot_grouping=thousands == ".",
        thousands=thousands,
        sources_file=sources_file,
    )


# The formats written from the estimates' columns alone, without their Estimate objects.
_COLUMN_FORMATS = frozenset({"csv", "tsv", "json", "ndjson"})


def _resolve_format(output_format: str, output: str | None) -> str:
    if output_format != "auto":
        return output_format
    if output and output != "-":
        suffix = output[output.rfind(".") :].lower() if "." in output else ""
        return _EXTENSION_FORMATS.get(suffix, "csv")
    return "table" if _is_terminal(sys.stdout) else "csv"


def _guarded(paths: Sequence[str], input_settings: dict[str, Any]) -> list[str]:
    """Every file a command reads, which ``-o`` must never replace: the inputs and --sources."""
    sources = input_settings.get("sources_file")
    return [*paths, sources] if sources else list(paths)


def _emit(text: str, output: str | None, inputs: Sequence[str], *, table: bool = False) -> None:
    """Write ``text`` to ``output`` atomically, or to standard output.

    ``table`` is rich's rendering, whose escape codes are meant for the terminal; any other
    text is data, and user text in it may hold control sequences (OSC 52 writes the clipboard).
    Files and pipes get the data unchanged, a terminal sees them as visible escapes.
    """
    if output and output != "-":
        from casualty_cli.output import check_not_an_input, write_atomically

        check_not_an_input(output, inputs)
        write_atomically(output, text)
        return
    if not table and _is_terminal(sys.stdout):
        from casualty_cli.render.safe import terminal_text

        text = terminal_text(text)
    # Data is UTF-8 whatever the locale says, so that pipes and files carry the same bytes.
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    sys.stdout.flush()
    # A buffered write to a pipe whose reader has gone (`| head`) may return a short count
    # instead of failing: write the rest, so that it always ends in BrokenPipeError.
    rest = memoryview(text.encode("utf-8"))
    while rest:
        written = binary.write(rest)
        if not written:
            # Only a non-blocking standard output says "nothing written" without an error.
            raise OutputError(
                "standard output accepts no more data", hint="write to a file with -o"
            )
        rest = rest[written:]
    binary.flush()


def _table_text(render: Callable[[Any], None], output: str | None) -> str:
    """Render a rich table: straight to a terminal, or as plain text for a file or a pipe."""
    from rich.console import Console

    buffer = io.StringIO()
    to_terminal = not output and _is_terminal(sys.stdout)
    console = Console(
        file=buffer,
        highlight=False,
        force_terminal=to_terminal,
        width=None if to_terminal else _width(),
        color_system="auto" if to_terminal else None,
    )
    render(console)
    return buffer.getvalue()


def _width() -> int:
    import shutil

    return max(60, shutil.get_terminal_size((100, 24)).columns)


# --- tally reconcile ------------------------------------------------------------------------


@main.command("reconcile")
@input_options
@output_options
@click.option(
    "--period",
    "periods",
    multiple=True,
    metavar="START/END",
    help="Also estimate exactly this window, from the windows inside it (repeatable).",
)
def reconcile_command(
    files: tuple[str, ...],
    periods: tuple[str, ...],
    output_format: str,
    output: str | None,
    excel_safe: bool,
    quiet: bool,
    **input_settings: Any,
) -> None:
    """Reconcile competing reports into a ranked breakdown with 80% and 95% ranges.

    One row per scope (outcome, category, place, period): the best estimate, its ranges, the
    figures sources claimed, how many reports and independent origins stand behind it, and
    flags where sources conflict.  Relays of one origin count once; a later figure of an origin
    supersedes its earlier one.  Parts never exceed their whole: categories, places and
    cumulative counts are made coherent.  --period adds the estimate of exactly that window:
    windows that tile it add up, overlapping ones that cover it only bound it, and windows that
    leave days uncounted give a note instead of an estimate.

    \b
    Examples:
      tally reconcile examples/syrian-coast-2025.yaml
      tally reconcile reports.csv --format json -o estimates.json
      tally reconcile reports.csv --period 2025-03-06/2025-03-08
      cat reports.csv | tally reconcile - --format csv
    """
    from casualty_cli.load import load_reports
    from casualty_cli.reconciliation import reconcile
    from casualty_cli.render.estimates import estimate_lines, estimates_table, write_estimates
    from casualty_cli.selection import target_window

    targets = [target_window(text) for text in periods]
    paths = _input_paths(files)
    chosen = _resolve_format(output_format, output)
    with _progress_bar(quiet=quiet, paths=paths) as bar:
        table = load_reports(paths, options=_load_options(**input_settings))
        if bar is not None:
            bar.read()
        result = reconcile(
            table,
            targets=targets,
            columns_only=chosen in _COLUMN_FORMATS,
            progress=bar.parts if bar is not None else None,
            lines=estimate_lines(chosen, excel_safe=excel_safe),
        )
    report_warnings(result.findings, quiet=quiet)
    report_notes(result.notes, result.findings, quiet=quiet)
    _render(
        chosen,
        lambda console: estimates_table(result, console),
        lambda fmt, stream: write_estimates(
            result, fmt, stream, excel_safe=excel_safe, version=__version__
        ),
        output,
        _guarded(paths, input_settings),
    )


# --- tally explain --------------------------------------------------------------------------


@main.command("explain")
@input_options
@click.option("--category", help="Only the estimates of this category (e.g. civilians).")
@click.option("--place", help="Only the estimates of this place (e.g. Syria/Coast).")
@click.option(
    "--period", help="Only the estimates whose window ends on this date or lies in this window."
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["auto", "text", "json"]),
    default="auto",
    show_default=True,
    help="Output format; auto is text on a terminal and JSON otherwise.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the output to this file (atomically; never over an input).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print no warnings, only errors.")
def explain_command(
    files: tuple[str, ...],
    category: str | None,
    place: str | None,
    period: str | None,
    output_format: str,
    output: str | None,
    quiet: bool,
    **input_settings: Any,
) -> None:
    """Show the audit trail of each estimate: every report, how it was read and what became of it.

    For every report: its origin and relay, its grade and reliability, the phrase as printed and
    how it was read, and whether it was used, superseded, merged as a relay, subsumed or
    discounted; then the arithmetic behind derived figures and the flags, in sentences.

    \b
    Examples:
      tally explain examples/syrian-coast-2025.yaml
      tally explain examples/syrian-coast-2025.yaml --category civilians
      tally explain reports.csv --format json
    """
    from casualty_cli.reconciliation import reconcile_files
    from casualty_cli.render.explain import explain_text, write_explain_json
    from casualty_cli.selection import select, target_window

    targets = [target_window(period)] if period and "/" in period else []
    paths = _input_paths(files)
    options = _load_options(**input_settings)
    result = reconcile_files(paths, options=options, targets=targets)
    report_warnings(result.findings, quiet=quiet)
    result = select(result, category=category, place=place, period=period)
    chosen = output_format
    if chosen == "auto":
        chosen = "text" if not output and _is_terminal(sys.stdout) else "json"
    if chosen == "text":
        text = _table_text(lambda console: explain_text(result, console), output)
    else:
        buffer = io.StringIO()
        write_explain_json(result, buffer, version=__version__)
        text = buffer.getvalue()
    _emit(text, output, _guarded(paths, input_settings), table=chosen == "text")


# --- tally diff -----------------------------------------------------------------------------


def _names(text: str | None) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


@main.command("diff")
@input_options
@click.option("--a", "a_sources", metavar="SOURCE[,SOURCE]", help="Side A: these sources of FILE.")
@click.option("--b", "b_sources", metavar="SOURCE[,SOURCE]", help="Side B: these sources of FILE.")
@click.option(
    "--nearest",
    is_flag=True,
    help="Compare each cumulative figure of A with B's latest at or before its date.",
)
@click.option(
    "--revisions",
    is_flag=True,
    help="Compare two versions of one dataset report by report: new, removed, revised.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["differences", "any"]),
    default="differences",
    show_default=True,
    help="Exit 1 on a conflict or a one-sided scope; 'any' also on an agree.",
)
@output_options
@click.pass_context
def diff_command(
    ctx: click.Context,
    /,
    files: tuple[str, ...],
    a_sources: str | None,
    b_sources: str | None,
    nearest: bool,
    revisions: bool,
    fail_on: str,
    output_format: str,
    output: str | None,
    excel_safe: bool,
    quiet: bool,
    **input_settings: Any,
) -> None:
    """Compare two sides scope by scope: two files, or two groups of sources of one file.

    Each side is reconciled on its own. A row per scope either side reports: what each side
    said, its range, the difference, and a verdict: same, agree (ranges overlap), conflict
    (ranges disjoint), only_a or only_b. Exit 0 when nothing conflicts and nothing is
    one-sided, 1 otherwise, 2 on trouble (bad input, unreadable files).

    \b
    Examples:
      tally diff yesterday.csv today.csv
      tally diff reports.yaml --a SOHR --b SNHR
      tally diff moh.csv ocha.csv --nearest --format csv
      tally diff old-export.csv new-export.csv --revisions
    """
    try:
        differs = _run_diff(
            files, a_sources, b_sources, nearest, revisions, fail_on == "any",
            output_format, output, excel_safe, quiet, input_settings,
        )  # fmt: skip
    except TallyError as error:
        # Exit 1 means "they differ" here: trouble is 2 (contract section 5).
        report_error(error)
        ctx.exit(ExitStatus.USAGE)
    if differs:
        ctx.exit(ExitStatus.DATA_ERROR)


def _run_diff(
    files: tuple[str, ...],
    a_sources: str | None,
    b_sources: str | None,
    nearest: bool,
    revisions: bool,
    fail_on_any: bool,
    output_format: str,
    output: str | None,
    excel_safe: bool,
    quiet: bool,
    input_settings: dict[str, Any],
) -> bool:
    from casualty_cli.diff import Side, compare_sides, packed, side, split_sources, unpacked
    from casualty_cli.diff import revisions as find_revisions
    from casualty_cli.load import load_reports
    from casualty_cli.model import ReportTable
    from casualty_cli.parallel import side_by_side
    from casualty_cli.render.diff import (
        diff_table,
        revisions_table,
        write_comparison,
        write_revisions,
    )

    by_source = a_sources is not None or b_sources is not None
    if by_source and (len(files) != 1 or not (a_sources and b_sources) or revisions):
        raise click.UsageError("give one FILE with both --a and --b, or two files")
    if not by_source and len(files) != 2:
        raise click.UsageError("give two files (A and B), or one FILE with --a and --b")
    options = _load_options(**input_settings)
    paths = _input_paths(files)
    if by_source:
        table = load_reports(paths, options=options)
        report_warnings(table.findings, quiet=quiet)
        a_table, b_table = split_sources(table, _names(a_sources), _names(b_sources))
    elif revisions:
        a_table = load_reports([paths[0]], options=options)
        b_table = load_reports([paths[1]], options=options)
        report_warnings([*a_table.findings, *b_table.findings], quiet=quiet)
    chosen = _resolve_format(output_format, output)
    if revisions:
        found = find_revisions(a_table, b_table)
        _render(
            chosen,
            lambda console: revisions_table(found, console),
            lambda fmt, stream: write_revisions(
                found, fmt, stream, excel_safe=excel_safe, version=__version__
            ),
            output,
            _guarded(paths, input_settings),
        )
        return bool(found)
    from casualty_cli.engine.fuse import fuse_threads
    from casualty_cli.engine.partition import reconcile_columns

    # Two processes keep both CPUs busy: each fuses with one thread, and a large side is
    # reconciled part after part in its own process (less memory; the same figures).
    fuse_threads(1)

    def figures(table: ReportTable, progress: Callable[[int, int], None] | None = None) -> Side:
        return side(reconcile_columns(table, jobs=1, phrases=True, progress=progress))

    # The bar follows side A, here; side B, in the child, keeps about the same pace.
    if by_source:
        # The two sides share nothing once split: B in a child process while A is done here.
        with _progress_bar(quiet=quiet) as bar:
            progress = bar.parts if bar is not None else None
            b_packed, a_side = side_by_side(
                lambda: packed(figures(b_table)), lambda: figures(a_table, progress)
            )
        b_side = unpacked(b_packed)
    else:

        def read(path: str, bar: _Progress | None = None) -> tuple[Side, tuple[Finding, ...]]:
            table = load_reports([path], options=options)
            if bar is not None:
                bar.read()  # A is read (B, in the other process, at about the same time)
            return figures(table, bar.parts if bar is not None else None), table.findings

        def read_packed(path: str) -> tuple[Any, tuple[Finding, ...]]:
            found, findings = read(path)
            return packed(found), findings

        # Only B crosses between processes: it alone travels as plain tuples.
        with _progress_bar(quiet=quiet, paths=paths) as bar:
            (b_packed, b_findings), (a_side, a_findings) = side_by_side(
                lambda: read_packed(paths[1]), lambda: read(paths[0], bar)
            )
        b_side = unpacked(b_packed)
        report_warnings([*a_findings, *b_findings], quiet=quiet)
    comparison = compare_sides(a_side, b_side, nearest=nearest)
    _render(
        chosen,
        lambda console: diff_table(comparison, console),
        lambda fmt, stream: write_comparison(
            comparison, fmt, stream, excel_safe=excel_safe, version=__version__
        ),
        output,
        _guarded(paths, input_settings),
    )
    return comparison.differs(fail_on_any=fail_on_any)


def _render(
    chosen: str,
    table: Callable[[Any], None],
    write: Callable[[str, io.StringIO], None],
    output: str | None,
    inputs: Sequence[str],
) -> None:
    """A rich table for people, or ``write`` in a data format; then out, atomically."""
    if chosen == "table":
        text = _table_text(table, output)
    else:
        buffer = io.StringIO()
        write(chosen, buffer)
        text = buffer.getvalue()
    _emit(text, output, inputs, table=chosen == "table")


# --- tally validate -------------------------------------------------------------------------


@main.command("validate")
@input_options
@output_options
def validate_command(
    files: tuple[str, ...],
    output_format: str,
    output: str | None,
    excel_safe: bool,
    quiet: bool,
    **input_settings: Any,
) -> None:
    """List every problem in the input at once: file, line, field, value and how to fix it.

    Exits 0 when no errors are found (warnings allowed) and 1 otherwise.

    \b
    Examples:
      tally validate reports.yaml
      tally validate --format json data/*.csv
      cat reports.csv | tally validate -
    """
    from casualty_cli.render.findings import FINDING_FIELDS, finding_record, findings_table
    from casualty_cli.validation import validate

    paths = _input_paths(files)
    result = validate(paths, options=_load_options(**input_settings))
    findings = [f for f in result.findings if f.is_error or not quiet]
    chosen = _resolve_format(output_format, output)
    records = [finding_record(f) for f in findings]
    text = _render_records(
        chosen,
        records,
        FINDING_FIELDS,
        excel_safe=excel_safe,
        document={
            "tally_version": __version__,
            "valid": result.valid,
            "files": list(result.files),
            "reports": result.reports,
            "findings": records,
        },
        table=lambda console: findings_table(findings, console) if findings else None,
        output=output,
    )
    _emit(text, output, _guarded(paths, input_settings), table=chosen == "table")
    errors = len(result.errors)
    warnings = len(result.findings) - errors
    summary = f"{_plural(result.reports, 'report')} in {_plural(len(result.files), 'file')}: " + (
        "no problems"
        if not result.findings
        else f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    )
    if not quiet or errors:
        click.echo(summary, err=True)
    if not result.valid:
        raise click.exceptions.Exit(ExitStatus.DATA_ERROR)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _render_records(
    chosen: str,
    records: list[dict[str, Any]],
    header: Sequence[str],
    *,
    excel_safe: bool,
    document: dict[str, Any],
    table: Callable[[Any], None],
    output: str | None,
) -> str:
    from casualty_cli.render import records as formats

    if chosen == "table":
        return _table_text(table, output)
    buffer = io.StringIO()
    if chosen in ("csv", "tsv"):
        delimiter = "," if chosen == "csv" else "\t"
        formats.write_delimited(records, header, buffer, delimiter=delimiter, excel_safe=excel_safe)
    elif chosen == "json":
        formats.write_json(document, buffer)
    elif chosen == "ndjson":
        formats.write_ndjson(records, buffer)
    else:
        formats.write_markdown(records, header, buffer)
    return buffer.getvalue()


# --- tally parse ----------------------------------------------------------------------------


@main.command("parse")
@click.argument("phrases", nargs=-1, required=True)
@click.option(
    "--as",
    "only",
    type=click.Choice(["quantity", "date", "period", "grade"]),
    help="Read every phrase with this grammar only (default: every grammar that could apply).",
)
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy", "ymd"]),
    help="How to read numeric dates such as 03/07/2025.",
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["auto", "table", "json", "ndjson"]),
    default="auto",
    show_default=True,
    help="Output format; auto is a table on a terminal and JSON otherwise.",
)
def parse_command(
    phrases: tuple[str, ...], only: str | None, date_order: str | None, output_format: str
) -> None:
    """Show how tally reads a count phrase, a date, a period or a grade.

    For a count: its kind, the interval its words allow, the claim kernel (bands and their
    weights) and the conservative figure.  Exits 1 if any phrase cannot be read.

    \b
    Examples:
      tally parse "at least 745" "more than 1,000" "dozens" "٧٤٥"
      tally parse --as date "March 2025" "2025-03-06/2025-03-08"
      tally parse --format json "between 10 and 20"
    """
    from casualty_cli.grammar.dates import DateOrder
    from casualty_cli.phrases import Grammar, read_phrase
    from casualty_cli.render.phrases import phrase_record, phrases_table

    order = DateOrder(date_order) if date_order else None
    grammar = Grammar(only) if only else None
    reports = [read_phrase(p, order=order, only=grammar) for p in phrases]
    chosen = output_format
    if chosen == "auto":
        chosen = "table" if _is_terminal(sys.stdout) else "json"
    records = [phrase_record(r) for r in reports]
    buffer = io.StringIO()
    if chosen == "table":
        text = _table_text(lambda console: phrases_table(reports, console), None)
    elif chosen == "json":
        from casualty_cli.render.records import write_json

        write_json({"tally_version": __version__, "phrases": records}, buffer)
        text = buffer.getvalue()
    else:
        from casualty_cli.render.records import write_ndjson

        write_ndjson(records, buffer)
        text = buffer.getvalue()
    _emit(text, None, (), table=chosen == "table")
    refused = [r for r in reports if not r.understood]
    for report in refused:
        from casualty_cli.render.safe import terminal_text

        reasons = "; ".join(
            f"{error.message}" + (f" ({error.hint})" if error.hint else "")
            for _, error in report.refusals
        )
        click.echo(terminal_text(f"Error: {report.text!r}: {reasons}"), err=True)
    if refused:
        raise click.exceptions.Exit(ExitStatus.DATA_ERROR)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
