"""Warm starts: labelled rows that every proposer of a comparison starts from.

The papers this zoo reproduces start their model-based methods from the same data (LLOME's
and LaMBO-2's runs both began from the GA's evaluations), so a fair comparison must too. A
warm start is given as

* a proposer SPEC (usually ``ga``): it runs from the oracle's initial solutions for exactly
  ``budget`` evaluations, as a run of its own in a folder (resumable like any run); or
* a FILE, ``.csv`` or ``.jsonl``, with a ``sequence`` column of alphabet tokens and an
  optional ``value``. A row without a value is evaluated. As in a run log, a JSON ``null``
  value is infeasible; in a CSV an empty cell means "evaluate" and ``-inf`` is infeasible.
  The oracle's initial solutions lead the rows (evaluated if the file lacks them); with a
  ``budget`` only the first ``budget`` rows are kept.

Either way the result is ``(x, y)``: the rows that lead a run's log as step 0, each marked
``"source": "warm-start"``, and that count in its budget.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import SeqzooError
from .protocol import encode

if TYPE_CHECKING:
    import numpy as np

    from .protocol import Oracle

SOURCE = "warm-start"
FILE_SUFFIXES = (".csv", ".jsonl")
#: The warm start that means none (a config's ``warm_start = "none"``, ``--warm-start none``).
NO_WARM_START = "none"


def given(spec: str | None) -> str | None:
    """``spec``, or ``None`` when it is empty or says ``none``."""
    if spec is None or not spec.strip() or spec.strip().lower() == NO_WARM_START:
        return None
    return spec


def is_file(spec: str) -> bool:
    """A warm start names a file when it ends in ``.csv``/``.jsonl`` or the path exists."""
    return spec.lower().endswith(FILE_SUFFIXES) or Path(spec).is_file()


def read_file(path: str | Path, alphabet: str, length: int) -> tuple[np.ndarray, np.ndarray]:
    """A warm-start file's rows: ``x`` and ``y`` with NaN where a value is to be evaluated."""
    import numpy as np

    path = Path(path)
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise SeqzooError(f"warm-start file {path} must end in .csv or .jsonl")
    try:
        text = path.read_text()
    except OSError as exc:
        raise SeqzooError(f"cannot read warm-start file {path}: {exc.strerror or exc}") from None
    sequences, values = [], []
    rows = _csv_rows(text, path) if path.suffix.lower() == ".csv" else _jsonl_rows(text, path)
    for line, (seq, value) in rows:
        if not isinstance(seq, str) or len(seq) != length:
            raise SeqzooError(f"{path}: row {line}: sequence must be a string of {length} "
                              f"tokens, got {seq!r}")
        sequences.append(seq)
        values.append(value)
    if not sequences:
        raise SeqzooError(f"warm-start file {path} holds no rows")
    try:
        x = encode(sequences, alphabet)
    except ValueError as exc:
        raise SeqzooError(f"{path}: {exc}") from None
    return x, np.array(values, dtype=float)


def json_records(text: str, path: Path):
    """``(line number, record)`` for each non-blank line of a JSON-lines file of measured
    sequences: every record is an object with a ``sequence``, else one line saying which."""
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            raise SeqzooError(f"{path}: line {i} is not JSON") from None
        if not isinstance(rec, dict) or "sequence" not in rec:
            raise SeqzooError(f"{path}: line {i} has no 'sequence'")
        yield i, rec


def _jsonl_rows(text: str, path: Path):
    for i, rec in json_records(text, path):
        if "value" not in rec:
            value = math.nan
        elif rec["value"] is None:
            value = -math.inf
        else:
            value = _number(rec["value"], path, i)
        yield i, (rec["sequence"], value)


def _csv_rows(text: str, path: Path):
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "sequence" not in reader.fieldnames:
        raise SeqzooError(f"{path}: the CSV header needs a 'sequence' column")
    for i, rec in enumerate(reader, 2):
        raw = (rec.get("value") or "").strip()
        yield i, (rec["sequence"], _number(raw, path, i) if raw else math.nan)


def _number(value, path: Path, line: int) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise SeqzooError(f"{path}: row {line}: value {value!r} is not a number") from None
    if math.isnan(out) or out == math.inf:
        raise SeqzooError(f"{path}: row {line}: value {value!r} is NaN or +inf "
                          f"(infeasible is -inf)")
    return out


def from_file(path: str | Path, oracle: Oracle, x0: np.ndarray, budget: int | None,
              evaluate: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The file's rows behind the initial solutions, capped at ``budget``; missing values
    are filled in by ``evaluate`` (one batch)."""
    import numpy as np

    x, y = read_file(path, oracle.alphabet, int(oracle.length))
    have = {row.tobytes() for row in x}
    lead = np.array([row for row in x0 if row.tobytes() not in have], dtype=np.int64)
    lead = lead.reshape(-1, x.shape[1])
    x = np.concatenate([lead, x])
    y = np.concatenate([np.full(len(lead), np.nan), y])
    if budget is not None:
        x, y = x[:budget], y[:budget]
    todo = np.isnan(y)
    if todo.any():
        y[todo] = evaluate(x[todo])
    return x, y


def from_spec(spec: str, oracle_spec: str, seed: int, budget: int, folder: str | Path,
              execute: Callable[[dict, Path, bool], None]) -> tuple[np.ndarray, np.ndarray]:
    """Run proposer ``spec`` for exactly ``budget`` evaluations in ``folder`` (resumed if a
    kill left it half done, read back if complete) and return every row it evaluated.

    ``execute(settings, folder, resume)`` is the engine's (passed in, so this module does
    not import the engine that imports it): it starts a run of ``settings`` (``RunConfig``
    fields) in ``folder``, or resumes the one there.
    """
    import numpy as np

    from .runlog import RunDir

    run = RunDir(folder)
    settings = {"oracle": oracle_spec, "proposer": spec, "budget": budget, "seed": seed,
                "stop_on_optimum": False}
    if run.read_result() is not None:
        _same_config(run, settings)
    elif run.config_path.exists() and run.log_path.exists():
        _same_config(run, settings)
        execute(settings, Path(folder), True)
    else:
        execute(settings, Path(folder), False)
    steps = run.steps(_alphabet(run))
    return (np.concatenate([s.x for s in steps]), np.concatenate([s.y for s in steps]))


def _alphabet(run) -> str:
    return run.read_config()["alphabet"]


def _same_config(run, wanted: dict) -> None:
    saved = run.read_config().get("config", {})
    diff = sorted(k for k in ("oracle", "proposer", "budget", "seed")
                  if saved.get(k) != wanted[k])
    if diff:
        raise SeqzooError(f"{run.path} holds a warm start with {diff[0]}="
                          f"{saved.get(diff[0])!r}, this run asks {wanted[diff[0]]!r}; "
                          f"remove that folder or choose another --out")


def write_rows(path: str | Path, x: np.ndarray, y: np.ndarray, alphabet: str) -> None:
    """Store labelled rows as ``.jsonl`` that :func:`read_file` reads back exactly."""
    from .protocol import decode
    from .runlog import write_text_atomic

    lines = [json.dumps({"sequence": seq, "value": None if v == -math.inf else v})
             for seq, v in zip(decode(x, alphabet), [float(v) for v in y])]
    write_text_atomic(Path(path), "\n".join(lines) + "\n")
