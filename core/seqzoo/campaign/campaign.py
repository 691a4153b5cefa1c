"""A design campaign in a folder: propose a round, let the lab measure it, repeat.

The folder holds ``campaign.json`` (the settings, :mod:`.settings`), ``data.jsonl`` (the warm
start's rows, if any), ``evaluations.jsonl`` (every measured value, :mod:`.log`) and one
``round-NN/`` per proposed round (:mod:`.roundfiles`). The log is the state: proposing replays
it into a fresh proposer (:mod:`.propose`), so nothing of the proposer is kept between
rounds and a copy of the folder proposes the same round anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import SeqzooError
from ..protocol import MODEL_QUERIES
from . import log as logmod
from . import propose as proposing
from . import results, roundfiles, settings as settingsmod
from .seal import EditedError, canonical, digest, file_digest, read_sealed, write_sealed
from .settings import Settings

SETTINGS, DATA = "campaign.json", "data.jsonl"
WARM_START = "warm-start"
#: Files a half-made campaign may hold: ``init`` may start again over them, but only where
#: its marker says that it made them (a lone evaluations.jsonl may be someone's run).
_OWN = {SETTINGS, DATA, "evaluations.jsonl", proposing.WORKDIR, "round-00"}
_MAKING = ".campaign-init"


@dataclass
class Measure:
    """What ``measure`` logged."""

    round: int
    measured: int
    failed: int
    best_value: float | None
    best_sequence: str | None
    notes: list[str] = field(default_factory=list)


class Campaign:
    """An existing campaign folder; ``Campaign.init`` starts one."""

    def __init__(self, folder: str | Path, allow_mixed: bool = False):
        self.folder, self.allow_mixed = Path(folder), allow_mixed
        if not (self.folder / SETTINGS).is_file():
            raise SeqzooError(f"{self.folder} is not a campaign folder (no {SETTINGS}); "
                              f"start one with zoo campaign init")
        body = read_sealed(self.folder / SETTINGS, "the campaign's settings")
        self.settings = Settings.from_json(body, self.folder / SETTINGS)
        self.seal = digest(canonical(body))
        self.log = logmod.Log(self.folder, self.seal)
        if self.settings.data is not None:
            data = self.folder / DATA
            if not data.is_file() or file_digest(data) != self.settings.data:
                raise EditedError(f"{data} is missing or was edited by hand (its checksum no "
                                  f"longer matches campaign.json); restore it")

    # -- starting -------------------------------------------------------------------------------
    @classmethod
    def init(cls, folder: str | Path, proposer: str, batch_size: int, seed: int = 0, *,
             alphabet: str | None = None, length: int | None = None,
             starts: Sequence[str] = (), like: str | None = None,
             data: str | Path | None = None, rounds: int | None = None,
             model_queries: int = MODEL_QUERIES, threads: int | None = None) -> "Campaign":
        from .. import warmstart
        from ..protocol import decode
        from ..provenance import versions

        folder = Path(folder)
        _check_new(folder)
        settingsmod.check_options(proposer, batch_size, seed, rounds, model_queries, threads)
        alphabet, length, starts = settingsmod.problem_from(alphabet, length, starts, like)
        rows: tuple[list[str], list[float]] = ([], [])
        if data is not None:
            x, y = warmstart.read_file(data, alphabet, length)  # NaN: for the lab to measure
            rows = (decode(x, alphabet), [float(v) for v in y])
        if not starts:
            if like is None and not rows[0]:
                raise SeqzooError("a campaign needs a start: give --start SEQ, --data FILE or "
                                  "--like ORACLE_SPEC")
            starts = list(dict.fromkeys(rows[0]))
        folder.mkdir(parents=True, exist_ok=True)
        _clear_half_made(folder)
        (folder / _MAKING).touch()
        settings = Settings(proposer, batch_size, seed, alphabet, length, starts, rounds,
                            model_queries, threads, like, None, versions(),
                            settingsmod.now())
        if data is not None:
            _write_data(folder / DATA, rows)
            settings.data = file_digest(folder / DATA)
        # the proposer is built once now, so that a bad spec fails before any round
        proposing.engine(settings, folder, folder / DATA if data is not None else None)
        body = settings.to_json()
        seal = digest(canonical(body))
        round0 = _round_zero(settings, rows)
        if round0.to_measure:
            round0.write(folder)
        else:  # every start row is measured already: round 0 is logged as it is
            logmod.Log(folder, seal).append_round(
                0, len(round0.sequences), round0.sequences, list(round0.known or []),
                [False] * len(round0.sequences), settingsmod.now(), WARM_START)
        write_sealed(folder / SETTINGS, body)  # last: its presence makes the folder a campaign
        (folder / _MAKING).unlink()
        return cls(folder)

    # -- the loop -------------------------------------------------------------------------------
    def steps(self):
        """The measured rounds, once the log and the folder are checked to agree."""
        steps = self.log.steps(self.settings.alphabet)
        later = roundfiles.folder(self.folder, len(steps) + 1) / roundfiles.RECORD
        if later.exists():  # proposed after a round the log no longer holds
            raise EditedError(f"{later.parent.name} was proposed after round {len(steps)} was "
                              f"measured, but the log lacks that round: rounds were removed "
                              f"from {self.log.path} by hand")
        return steps

    def propose(self) -> Path:
        """The next round's ``proposals.csv``: proposed now, or the pending one again."""
        from ..protocol import decode
        from ..provenance import changed_versions, versions

        steps = self.steps()
        k = len(steps)
        pending = roundfiles.read(self.folder, k)
        if pending is not None:
            return roundfiles.folder(self.folder, k) / roundfiles.PROPOSALS
        s = self.settings
        if k == 0:
            raise EditedError(f"round 0's record ({roundfiles.folder(self.folder, 0)}) is "
                              f"missing: the folder was edited by hand")
        if s.rounds is not None and k > s.rounds:
            raise SeqzooError(f"all {s.rounds} planned rounds of {self.folder} are measured")
        mixed = changed_versions(s.versions, versions())
        if mixed and not self.allow_mixed:
            name, (was, now) = next(iter(mixed.items()))
            raise SeqzooError(f"{name} is {now} here but was {was} when the campaign began: "
                              f"round {k} would not replay the earlier rounds as proposed; "
                              f"install {name} {was}, or give --allow-mixed")
        data = self.folder / DATA if s.data is not None else None
        x, scores = proposing.next_round(s, self.folder, steps, data, self.allow_mixed)
        done = roundfiles.Round(k, decode(x, s.alphabet), scores, None, versions(),
                                settingsmod.now(), mixed or None)
        return done.write(self.folder)

    def measure(self, source: str | Path | Iterable[Any], round: int | None = None) -> Measure:
        """Log the lab's values for the pending round (a results file or rows)."""
        steps = self.steps()
        k = len(steps)
        if round is not None and round != k:
            roundfiles.refuse_round(self.folder, k, round)
        pending = roundfiles.read(self.folder, k)
        if pending is None:
            raise SeqzooError(f"round {k} was never proposed; run zoo campaign propose "
                              f"{self.folder} first")
        is_file = isinstance(source, (str, Path))
        rows = results.read_file(source) if is_file else results.from_rows(source)
        s = self.settings
        got = results.match(rows, pending.sequences, pending.known, k, s.alphabet, s.length)
        source_tag = WARM_START if k == 0 and s.data is not None else None
        self.log.append_round(k, len(pending.sequences), pending.sequences, got.values,
                              got.failed, settingsmod.now(), source_tag)
        if is_file:  # the log holds the values already; this copy is for the record
            roundfiles.save_results(self.folder, k, Path(source))
        best = self.best()
        return Measure(k, len(pending.to_measure) - sum(got.failed), sum(got.failed),
                       best[0], best[1], got.notes)

    # -- reading --------------------------------------------------------------------------------
    def best(self) -> tuple[float | None, str | None, int | None]:
        value, seq, at = None, None, None
        for rec in self.log.records():
            v = rec["value"]
            if v is not None and (value is None or v > value):
                value, seq, at = float(v), rec["sequence"], rec["round"]
        return value, seq, at

    def status(self) -> dict[str, Any]:
        from ..spec import Spec

        k = len(self.steps())
        records = self.log.records()
        pending = roundfiles.read(self.folder, k)
        value, seq, at = self.best()
        s = self.settings
        return {
            "folder": str(self.folder), "proposer": s.proposer,
            "proposer_options": dict(Spec.parse(s.proposer).options),
            "proposer_defaults": _defaults(s.proposer),
            "batch_size": s.batch_size, "seed": s.seed, "planned_rounds": s.rounds,
            "model_queries": s.model_queries, "threads": s.threads,
            "alphabet": s.alphabet, "length": s.length, "starts": len(s.starts),
            "like": s.like, "warm_start_rows": _count_data(self.folder) if s.data else 0,
            "rounds_measured": max(k - 1, 0), "start_rows_measured": k > 0,
            "evaluations": len(records),
            "failed": sum(bool(r.get("failed")) for r in records),
            "best_value": value, "best_sequence": seq, "best_round": at,
            "pending_round": None if pending is None else k,
            "pending_sequences": 0 if pending is None else len(pending.to_measure),
            "pending_file": None if pending is None else str(
                roundfiles.folder(self.folder, k) / roundfiles.PROPOSALS),
            "versions": s.versions, "created": s.created,
        }

    def simulate(self, oracle: str, rounds: int) -> list[Measure]:
        """Play the lab with a registered oracle: round 0 if pending, then ``rounds``
        rounds, each through :meth:`propose` and :meth:`measure`."""
        from .simulate import simulate

        return simulate(self, oracle, rounds)


def _round_zero(settings: Settings, rows: tuple[list[str], list[float]]) -> roundfiles.Round:
    """The start rows: the starts the data lacks, then the data's rows (as ``zoo run
    --warm-start FILE`` orders them); a value is known where the data gives one."""
    from ..provenance import versions

    have = set(rows[0])
    lead = [s for s in settings.starts if s not in have]
    sequences = lead + rows[0]
    known = [None] * len(lead) + [None if math.isnan(v) else v for v in rows[1]]
    return roundfiles.Round(0, sequences, None, known, versions(), settingsmod.now())


def _write_data(path: Path, rows: tuple[list[str], list[float]]) -> None:
    """The warm start as the campaign keeps it: ``null`` is infeasible, and a row the lab is
    still to measure has no ``value`` (the warm-start reader's own conventions)."""
    import json

    from ..runlog import write_text_atomic

    lines = []
    for seq, v in zip(*rows):
        record: dict[str, Any] = {"sequence": seq}
        if not math.isnan(v):
            record["value"] = None if v == -math.inf else v
        lines.append(json.dumps(record, allow_nan=False))
    write_text_atomic(path, "".join(line + "\n" for line in lines))


def _clear_half_made(folder: Path) -> None:
    """What an init killed before writing campaign.json left (its marker is there): never
    anyone's data, since _check_new allows nothing else beside the marker."""
    import shutil

    if not (folder / _MAKING).exists():
        return
    for name in _OWN:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _defaults(spec: str) -> dict[str, Any]:
    """The options the spec leaves at the factory's defaults (what the proposer runs with)."""
    from ..plugins import registry
    from ..spec import Spec, parameters

    parsed = Spec.parse(spec)
    try:
        factory = registry().get("proposer", parsed.name).load()
    except SeqzooError:  # a plugin uninstalled since: the spec alone still says a lot
        return {}
    return {p.name: p.default for p in parameters(factory, skip_first=True)
            if not p.required and p.name not in parsed.options}


def _count_data(folder: Path) -> int:
    return sum(1 for line in (folder / DATA).read_text().splitlines() if line.strip())


def _check_new(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise SeqzooError(f"{folder} is a file, not a folder; choose another campaign folder")
    if (folder / SETTINGS).exists():
        raise SeqzooError(f"{folder} already holds a campaign; choose another folder")
    if folder.is_dir():
        own = _OWN if (folder / _MAKING).exists() else set()
        others = sorted(p.name for p in folder.iterdir() if p.name not in own
                        and not p.name.startswith("."))
        if others:
            raise SeqzooError(f"{folder} is not empty ({others[0]}, ...); a campaign starts "
                              f"in an empty or new folder")
