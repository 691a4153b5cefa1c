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
