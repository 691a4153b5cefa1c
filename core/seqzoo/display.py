"""Rich progress bars and summaries for runs (written to stderr, so stdout stays clean)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .engine import Observer, Progress as RunProgress, RunResult

#: Width of a table written to a file or a pipe. rich assumes 80 columns when it cannot ask
#: a terminal and wraps every cell to fit ("hammin" / "g"); this is wide enough that no
#: column wraps, so one line is one row for grep, less -S and a log file.
PIPED_WIDTH = 400


def _console(**options: Any) -> Console:
    probe = Console(**options)
    return probe if probe.is_terminal else Console(width=PIPED_WIDTH, **options)


console = _console(stderr=True)
_notes_on = True


def note(text: str, markup: bool = False) -> None:
    """A proposer's progress line (LLOME's round summary) on stderr, unless notes are off;
    ``markup``: the text holds rich's ``[bold]...[/bold]`` tags."""
    if _notes_on:
        console.print(text, markup=markup)


@contextmanager
def notes_off() -> Iterator[None]:
    """Silence :func:`note`: under ``zoo run --quiet``, and in ``zoo compare``'s runs, where
    the grid's live display owns the terminal (the proposer's run folder keeps its record)."""
    global _notes_on
    before, _notes_on = _notes_on, False
    try:
        yield
    finally:
        _notes_on = before


def stdout_console(**options: Any) -> Console:
    """A console on stdout (a command's result), unwrapped when stdout is not a terminal."""
    return _console(file=sys.stdout, **options)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return "-inf" if value == float("-inf") else f"{value:.4g}"


@contextmanager
def run_progress(label: str, enabled: bool = True) -> Iterator[Observer]:
    """Yield an engine observer that drives a progress bar."""
    if not enabled:
        yield lambda p: None
        return
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("best {task.fields[best]}  regret {task.fields[regret]}"),
                   TimeElapsedColumn(), console=console, transient=False)
    task = bar.add_task(label, total=None, best="-", regret="-")

    def observe(p: RunProgress) -> None:
        bar.update(task, completed=p.evaluations, total=p.budget, best=_fmt(p.best_value),
                   regret=_fmt(p.regret))

    with bar:
        yield observe


def summary(result: RunResult) -> Table:
    table = Table(title="run summary", show_header=False)
    rows = [("oracle", result.oracle), ("proposer", result.proposer), ("seed", result.seed),
            ("evaluations", f"{result.evaluations} / {result.budget}"),
            ("best value", _fmt(result.best_value)), ("regret", _fmt(result.regret)),
            ("evaluations to best", result.evaluations_to_best),
            ("solved", result.solved), ("feasible fraction", f"{result.feasible_fraction:.3f}"),
            ("stopped by", result.stopped), ("wall seconds", f"{result.wall_seconds:.2f}"),
            ("best sequence", result.best_sequence or "-")]
    for key, value in rows:
        table.add_row(key, str(value))
    return table
