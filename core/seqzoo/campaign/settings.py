"""A campaign's settings: the problem (alphabet, length, starts), the proposer and the seeds.

Written once by ``zoo campaign init`` to ``campaign.json`` (sealed, :mod:`.seal`) and never
changed, so that round ``k`` is proposed from the same settings on any machine. The problem
is given either directly (alphabet, length, starts) or ``like`` a registered oracle, whose
alphabet, length and initial solutions are taken without a single call to the oracle.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

from ..errors import SeqzooError
from ..protocol import MODEL_QUERIES
from ..spec import Spec

#: The layout of campaign.json; a later layout would be read by a later seqzoo.
FORMAT = 1
#: The rounds an open-ended campaign plans: only proposers that size themselves from the
#: budget (nevergrad) read it, and a fixed number keeps their rounds reproducible.
OPEN_ROUNDS = 10_000


@dataclass
class Settings:
    proposer: str
    batch_size: int
    seed: int
    alphabet: str
    length: int
    #: The starting sequences (the proposer's ``Problem.initial_solutions``).
    starts: list[str]
    #: Planned rounds after round 0, or ``None``: open-ended.
    rounds: int | None = None
    model_queries: int = MODEL_QUERIES
    threads: int | None = None
    #: The oracle spec the problem was taken from, if any (its function is never called).
    like: str | None = None
    #: SHA-256 of ``data.jsonl``, the warm start's labelled rows, or ``None`` without one.
    data: str | None = None
    #: What code made round 0; later rounds must match (see ``allow_mixed``).
    versions: dict[str, str] = field(default_factory=dict)
    created: str = ""
    format: int = FORMAT

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path) -> "Settings":
        if data.get("format") != FORMAT:
            raise SeqzooError(f"{path}: campaign format {data.get('format')!r}, this seqzoo "
                              f"reads format {FORMAT}")
        names = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in names})
        except TypeError as exc:
            raise SeqzooError(f"{path} is not a campaign's settings ({exc})") from None

    @property
    def planned(self) -> int:
        return self.rounds if self.rounds is not None else OPEN_ROUNDS


def problem_from(alphabet: str | None, length: int | None, starts: Sequence[str],
                 like: str | None) -> tuple[str, int, list[str]]:
    """Alphabet, length and starts from the options of ``zoo campaign init``."""
    if like is not None:
        if alphabet is not None or length is not None:
            raise SeqzooError("give the problem as --like ORACLE or as --alphabet and "
                              "--length, not both")
        alphabet, length, oracle_starts = _like(like)
        starts = list(starts) or oracle_starts
    elif alphabet is None or length is None:
        raise SeqzooError("give the problem as --alphabet TOKENS --length L, or --like "
                          "ORACLE_SPEC")
    if not alphabet or len(set(alphabet)) != len(alphabet):
        raise SeqzooError(f"--alphabet must be distinct one-character tokens, got {alphabet!r}")
    if length < 1:
        raise SeqzooError(f"--length must be at least 1, got {length}")
    for seq in starts:
        check_sequence(seq, alphabet, length, "--start")
    return alphabet, int(length), list(dict.fromkeys(starts))


def _like(spec: str) -> tuple[str, int, list[str]]:
    import numpy as np

    from ..builders import build_oracle
    from ..protocol import decode

    oracle = build_oracle(spec)  # built, never called: only its description is read
    x0 = np.asarray(oracle.initial_solutions(), dtype=np.int64).reshape(-1, int(oracle.length))
    return oracle.alphabet, int(oracle.length), decode(x0, oracle.alphabet)


def check_sequence(seq: Any, alphabet: str, length: int, where: str) -> None:
    """One line naming what is wrong with a sequence, or nothing."""
    if not isinstance(seq, str) or not seq:
        raise SeqzooError(f"{where}: expected a sequence, got {seq!r}")
    if len(seq) != length:
        raise SeqzooError(f"{where}: sequence {seq!r} has length {len(seq)}, expected "
                          f"{length}")
    outside = sorted(set(seq) - set(alphabet))
    if outside:
        raise SeqzooError(f"{where}: sequence {seq!r} has {outside[0]!r}, outside the "
                          f"alphabet {alphabet!r}")


def check_options(proposer: str, batch_size: int, seed: int, rounds: int | None,
                  model_queries: int, threads: int | None) -> None:
    Spec.parse(proposer)  # a malformed spec fails here; an unknown name when built
    for name, value, low in (("--batch-size", batch_size, 1), ("--rounds", rounds, 1),
                             ("--model-queries", model_queries, 1), ("--threads", threads, 1),
                             ("--seed", seed, 0)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < low):
            raise SeqzooError(f"{name} must be an integer of at least {low}, got {value!r}")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
