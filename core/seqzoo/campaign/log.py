"""The campaign's log: the run log's ``evaluations.jsonl``, sealed line by line.

It is the engine's own format (:mod:`seqzoo.runlog`), so the engine reads it back
(:meth:`RunDir.steps`) to replay the proposer, and every tool that reads a run log reads a
campaign's. Three keys are added: ``check`` on every line (a hash chained to the line before
and, through the first line, to the campaign's settings: :mod:`.seal`), ``failed: true`` on a
proposed sequence the lab returned no value for (logged and told as infeasible, ``null``),
and ``measured`` (when the round's values arrived). A round is appended by writing the whole
log anew and renaming it over the old one, so a kill leaves the log as it was or with the
round whole, never half of it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

from ..errors import SeqzooError
from ..runlog import EVALUATIONS, RunDir, Step, write_text_atomic
from .seal import EditedError, chain

CHECK = "check"


class Log:
    def __init__(self, folder: Path, seal: str):
        self.folder, self.seal = Path(folder), seal
        self.path = self.folder / EVALUATIONS

    def records(self) -> list[dict[str, Any]]:
        """Every line, each checked against the chain; an edited line is refused."""
        if not self.path.exists():
            return []
        previous, out = self.seal, []
        for i, line in enumerate(self.path.read_text().splitlines(), 1):
            try:
                record = json.loads(line)
                check = record.pop(CHECK)
            except (ValueError, KeyError, TypeError, AttributeError):
                raise EditedError(f"{self.path}: line {i} is not the campaign's own; the log "
                                  f"was edited by hand (restore it)") from None
            previous = chain(previous, record)
            if check != previous:
                raise EditedError(f"{self.path}: line {i} was edited by hand (its check no "
                                  f"longer matches); restore the log")
            out.append(record)
        return out

    def steps(self, alphabet: str) -> list[Step]:
        """The measured rounds as the engine reads them, after the chain is checked."""
        records = self.records()
        steps = RunDir(self.folder).steps(alphabet)
        if [s.step for s in steps] != list(range(len(steps))):
            raise EditedError(f"{self.path}: rounds {[s.step for s in steps]} are not "
                              f"0, 1, 2, ...: the log was edited by hand")
        short = [s.step for s in steps if len(s.x) != s.asked]
        if short:
            raise EditedError(f"{self.path}: round {short[0]} is not whole (lines were "
                              f"removed by hand); restore the log")
        return steps

    def append_round(self, step: int, asked: int, sequences: Sequence[str],
                     values: Sequence[float], failed: Sequence[bool], measured: str,
                     source: str | None = None) -> None:
        """Add one whole round: the log is rewritten and renamed over the old one."""
        records = self.records()
        previous = self.seal
        lines = []
        for record in records:  # re-serialised exactly as checked, so the chain carries on
            previous = chain(previous, record)
            lines.append(json.dumps({**record, CHECK: previous}, allow_nan=False))
        start = len(records)
        for i, (seq, value, bad) in enumerate(zip(sequences, values, failed)):
            if math.isnan(value) or value == math.inf:
                raise SeqzooError(f"round {step}: value {value} for {seq} cannot be logged")
            record: dict[str, Any] = {
                "evaluation": start + i, "step": step, "round": step, "index": i,
                "asked": asked, "sequence": seq,
                "value": None if value == -math.inf else float(value), "time": 0.0,
                "measured": measured}
            if bad:
                record["failed"] = True
            if source is not None:
                record["source"] = source
            previous = chain(previous, record)
            lines.append(json.dumps({**record, CHECK: previous}, allow_nan=False))
        write_text_atomic(self.path, "".join(line + "\n" for line in lines))
