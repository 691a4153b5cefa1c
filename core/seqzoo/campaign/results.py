"""The lab's values for a round: read, checked row by row, matched to the proposals.

A results file is ``.csv`` (a header with ``sequence`` and ``value``) or ``.jsonl`` (one
object per line with those keys); an optional ``round`` column must name the pending round.
Each bad row is refused with one line naming it: a sequence of the wrong length or with a
letter outside the alphabet, one that was not proposed this round, a value that is NaN,
``+inf`` or text. ``-inf`` (or ``infeasible``) is an infeasible sequence. An empty value, or a
proposed sequence missing from the file, is a *failed* measurement: logged with
``"failed": true`` and told to the proposer as infeasible (``-inf``), never dropped.

Duplicates: a row repeated with the same value is kept once. A sequence given *different*
values is refused, unless it was proposed that many times (then the values are its copies'
in file order): which of two values is the true one is the lab's call, not the campaign's.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import SeqzooError
from ..warmstart import json_records
from .settings import check_sequence

SUFFIXES = (".csv", ".jsonl")
INFEASIBLE_WORDS = {"-inf", "-infinity", "infeasible"}


@dataclass
class Row:
    where: str
    sequence: Any
    value: Any
    round: Any = None


@dataclass
class Measured:
    """A round's values in the order of its sequences, and what the reading noticed."""

    values: list[float]
    failed: list[bool]
    notes: list[str] = field(default_factory=list)


def read_file(path: str | Path) -> list[Row]:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise SeqzooError(f"results file {path} must end in .csv or .jsonl")
    if not path.is_file():
        raise SeqzooError(f"results file {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM is not data
    except (OSError, UnicodeDecodeError) as exc:
        raise SeqzooError(f"cannot read results file {path}: {exc}") from None
    rows = list(_csv(text, path) if path.suffix.lower() == ".csv" else _jsonl(text, path))
    if not rows:
        raise SeqzooError(f"results file {path} holds no rows")
    return rows


def _csv(text: str, path: Path) -> Iterator[Row]:
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("sequence", "value") if c not in header]
    if missing:
        raise SeqzooError(f"{path}: the CSV header needs 'sequence' and 'value' columns "
                          f"(missing {missing[0]!r})")
    reader.fieldnames = header
    for i, rec in enumerate(reader, 2):
        if None in rec:
            raise SeqzooError(f"{path}: row {i} has more cells than the header")
        yield Row(f"{path}: row {i}", (rec["sequence"] or "").strip(), rec["value"],
                  rec.get("round"))


def _jsonl(text: str, path: Path) -> Iterator[Row]:
    for i, rec in json_records(text, path):
        yield Row(f"{path}: line {i}", rec["sequence"], rec.get("value"), rec.get("round"))


def from_rows(rows: Iterable[Any]) -> list[Row]:
    """Rows given in Python: ``{"sequence", "value"[, "round"]}`` dicts or pairs."""
    out = []
    for i, rec in enumerate(rows, 1):
        if isinstance(rec, dict):
            if "sequence" not in rec:
                raise SeqzooError(f"results row {i} has no 'sequence'")
            out.append(Row(f"results row {i}", rec["sequence"], rec.get("value"),
                           rec.get("round")))
        elif isinstance(rec, (tuple, list)) and len(rec) == 2:
            out.append(Row(f"results row {i}", rec[0], rec[1]))
        else:
            raise SeqzooError(f"results row {i} must be a (sequence, value) pair or a dict "
                              f"with 'sequence' and 'value', got {rec!r}")
    if not out:
        raise SeqzooError("no results rows given")
    return out


def value_of(raw: Any, where: str) -> float | None:
    """A float (``-inf``: infeasible), ``None`` for no value (failed), else one line."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise SeqzooError(f"{where}: value {raw!r} is not a number")
    if isinstance(raw, str):
        if raw.strip().lower() in INFEASIBLE_WORDS:
            return -math.inf
        try:
            value = float(raw)
        except ValueError:
            raise SeqzooError(f"{where}: value {raw.strip()!r} is not a number (leave the "
                              f"cell empty for a failed measurement)") from None
    elif isinstance(raw, (int, float)):
        value = float(raw)
    else:
        raise SeqzooError(f"{where}: value {raw!r} is not a number")
    if math.isnan(value) or value == math.inf:
        raise SeqzooError(f"{where}: value {raw!r} is NaN or +inf (infeasible is -inf; "
                          f"leave the cell empty for a failed measurement)")
    return value


def match(rows: list[Row], sequences: list[str], known: list[float | None] | None,
          k: int, alphabet: str, length: int) -> Measured:
    """The round's values: each row checked, then matched to the sequences to measure."""
    to_measure = [i for i in range(len(sequences)) if known is None or known[i] is None]
    copies: dict[str, int] = {}
    for i in to_measure:
        copies[sequences[i]] = copies.get(sequences[i], 0) + 1
    given: dict[str, list[tuple[float, str]]] = {}
    dropped, empty = 0, 0
    for row in rows:
        if row.round is not None and str(row.round).strip() not in ("", str(k)):
            raise SeqzooError(f"{row.where}: round {str(row.round).strip()!r}, but the "
                              f"round waiting for values is {k}")
        check_sequence(row.sequence, alphabet, length, row.where)
        if row.sequence not in copies:
            raise SeqzooError(f"{row.where}: sequence {row.sequence} was not proposed in "
                              f"round {k}")
        value = value_of(row.value, row.where)
        if value is None:
            empty += 1
            continue
        have = given.setdefault(row.sequence, [])
        if any(v == value for v, _ in have) and len(have) >= copies[row.sequence]:
            dropped += 1  # the same row twice: one measurement, pasted again
            continue
        if len(have) >= copies[row.sequence]:
            first = have[0]
            raise SeqzooError(f"{row.where}: sequence {row.sequence} has value {value!r} "
                              f"here and {first[0]!r} at {first[1]}, but was proposed "
                              f"{_times(copies[row.sequence])}; give one value per "
                              f"proposed copy (the campaign will not choose)")
        have.append((value, row.where))
    values = [math.nan if v is None else v for v in (known or [None] * len(sequences))]
    failed = [False] * len(sequences)
    used: dict[str, int] = {}
    for i in to_measure:
        seq = sequences[i]
        j = used.get(seq, 0)
        used[seq] = j + 1
        have = given.get(seq, [])
        if j < len(have):
            values[i] = have[j][0]
        else:
            values[i], failed[i] = -math.inf, True
    notes = []
    if dropped:
        notes.append(f"{dropped} repeated row(s) with the same value counted once")
    if any(failed):
        notes.append(f"{sum(failed)} proposed sequence(s) without a value: logged as failed "
                     f"and told to the proposer as infeasible (-inf)")
    return Measured(values, failed, notes)


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"
