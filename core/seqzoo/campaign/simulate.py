"""Playing the lab with a registered oracle, to try a campaign's settings on a known landscape.

Each round goes through the campaign's own ``propose`` and ``measure``, exactly as a lab's
would: only the values come from the oracle instead of a results file. So a simulated
campaign is a campaign, and the tests compare it with ``zoo run`` sequence for sequence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SeqzooError
from . import roundfiles

if TYPE_CHECKING:
    from .campaign import Campaign, Measure


def simulate(campaign: "Campaign", oracle_spec: str, rounds: int) -> list["Measure"]:
    from ..builders import build_oracle
    from ..protocol import encode
    from ..rounds import evaluate

    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise SeqzooError(f"--rounds must be a positive integer, got {rounds!r}")
    s = campaign.settings
    oracle = build_oracle(oracle_spec)
    if oracle.alphabet != s.alphabet or int(oracle.length) != s.length:
        raise SeqzooError(f"oracle {oracle_spec} has alphabet {oracle.alphabet!r} and length "
                          f"{oracle.length}; the campaign's are {s.alphabet!r} and {s.length}")
    done = []
    start = len(campaign.steps())
    last = max(start, 1) + rounds  # round 0, when pending, comes on top of the rounds
    for k in range(start, last):
        campaign.propose()
        pending = roundfiles.read(campaign.folder, k)
        assert pending is not None
        todo = pending.to_measure
        values = evaluate(oracle, encode(todo, s.alphabet)) if todo else []
        done.append(campaign.measure([(q, float(v)) for q, v in zip(todo, values)]))
    return done


def against_run(folder, oracle: str, proposer: str, rounds: int, batch_size: int,
                seed: int = 0, data=None) -> tuple[list[str], list[str]]:
    """The sequences of a simulated campaign and of ``zoo run`` with the same settings, in
    log order: the test that a campaign is the run (``folder`` gets both)."""
    import json
    from pathlib import Path

    from ..engine import run
    from .campaign import Campaign

    folder = Path(folder)
    campaign = Campaign.init(folder / "campaign", proposer, batch_size, seed, like=oracle,
                             data=data, rounds=rounds)
    campaign.simulate(oracle, rounds)
    run(oracle, proposer, batch_size=batch_size, seed=seed, rounds=rounds,
        out=folder / "run", stop_on_optimum=False,
        warm_start=None if data is None else str(data))

    def sequences(log: Path) -> list[str]:
        return [json.loads(line)["sequence"] for line in log.read_text().splitlines()]

    return (sequences(folder / "campaign" / "evaluations.jsonl"),
            sequences(folder / "run" / "evaluations.jsonl"))
