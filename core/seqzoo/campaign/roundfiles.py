"""A round's folder, ``round-NN/``: the proposals the lab is to measure.

``proposals.csv`` is for the lab (``sequence``, and ``score`` where the proposer has one);
``round.json`` is the campaign's sealed record of the same round -- its sequences in order,
the checksum of ``proposals.csv``, the versions that proposed it -- written last, so that a
round is pending only once both are on disk. Round 0 is the start rows: the starts and the
warm start's rows, of which only those without a value are listed for the lab.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SeqzooError
from ..runlog import write_text_atomic
from .seal import EditedError, file_digest, read_sealed, write_sealed

PROPOSALS, RECORD, RESULTS = "proposals.csv", "round.json", "results.csv"
#: How round 0's ``known`` values spell infeasible (JSON has no -inf).
INFEASIBLE = "infeasible"


def folder(campaign: Path, k: int) -> Path:
    return Path(campaign) / f"round-{k:02d}"


@dataclass
class Round:
    """One proposed round, as ``round.json`` records it."""

    round: int
    #: The round's sequences in the order they are logged.
    sequences: list[str]
    #: The proposer's own score per sequence, or ``None`` where it has none.
    scores: list[float] | None
    #: Round 0 only: values already known (``None``: the lab is to measure it).
    known: list[float | None] | None
    versions: dict[str, str]
    proposed: str
    #: Versions that differ from round 0's, proposed anyway under ``--allow-mixed``.
    mixed: dict[str, list[str | None]] | None = None

    @property
    def to_measure(self) -> list[str]:
        if self.known is None:
            return list(self.sequences)
        return [s for s, v in zip(self.sequences, self.known) if v is None]

    def write(self, campaign: Path) -> Path:
        """``proposals.csv``, then the sealed ``round.json`` naming its checksum."""
        where = folder(campaign, self.round)
        where.mkdir(parents=True, exist_ok=True)
        path = where / PROPOSALS
        write_text_atomic(path, self.csv())
        record = {"round": self.round, "sequences": self.sequences, "scores": self.scores,
                  "known": None if self.known is None else [_known_json(v) for v in self.known],
                  "versions": self.versions, "proposed": self.proposed, "mixed": self.mixed,
                  "proposals_sha256": file_digest(path)}
        write_sealed(where / RECORD, record)
        return path

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        scored = self.scores is not None and self.known is None
        writer.writerow(["sequence", "score"] if scored else ["sequence"])
        rows = zip(self.sequences, self.scores) if scored else ((s,) for s in self.to_measure)
        for row in rows:
            writer.writerow([row[0], repr(float(row[1]))] if scored else [row[0]])
        return out.getvalue()


def read(campaign: Path, k: int) -> Round | None:
    """Round ``k``'s record if it was proposed, checked against its files; else ``None``."""
    where = folder(campaign, k)
    if not (where / RECORD).exists():
        return None
    data = read_sealed(where / RECORD, f"round {k}")
    try:
        known = data["known"]
        done = Round(int(data["round"]), list(data["sequences"]), data["scores"],
                     None if known is None else [_known_value(v) for v in known],
                     dict(data["versions"]), str(data["proposed"]), data.get("mixed"))
        digest = data["proposals_sha256"]
    except (KeyError, TypeError, ValueError):
        raise EditedError(f"{where / RECORD} is not a round's record") from None
    if done.round != k:
        raise EditedError(f"{where / RECORD} says round {done.round}, its folder round {k}: "
                          f"round folders were renamed by hand")
    proposals = where / PROPOSALS
    if not proposals.exists():  # the lab's copy is derived: put it back
        write_text_atomic(proposals, done.csv())
    elif file_digest(proposals) != digest:
        raise EditedError(f"{proposals} was edited by hand (it no longer matches round {k}'s "
                          f"record); restore it, or delete {where} to propose round {k} again")
    return done


def _known_json(value: float | None) -> Any:
    if value is None or not math.isinf(value):
        return value
    return INFEASIBLE


def _known_value(value: Any) -> float | None:
    if value == INFEASIBLE:
        return -math.inf
    if value is None:
        return None
    return float(value)


def save_results(campaign: Path, k: int, source: Path) -> None:
    """Keep the lab's file with its round (after the log holds its values)."""
    try:
        text = Path(source).read_text()
    except OSError:
        return
    write_text_atomic(folder(campaign, k) / RESULTS, text)


def refuse_round(campaign: Path, k: int, wanted: int) -> None:
    """One line for a measure of a round other than the pending one."""
    if wanted < k:
        raise SeqzooError(f"round {wanted} is already measured (the log holds rounds "
                          f"0..{k - 1}); its values cannot be measured again")
    raise SeqzooError(f"round {wanted} was never proposed (the next round is {k}); "
                      f"run zoo campaign propose {campaign} first")
