"""The reference side of the AdaLead cross-check: FLEXS's own ``Adalead`` on the same problem.

:func:`reference` runs FLEXS's ``Adalead`` explorer (``flexs/baselines/explorers/adalead.py``)
with FLEXS's ``NoisyAbstractModel`` on FLEXS's ``TFBinding`` or ``RNABinding`` landscape --
the same problem, starts, rounds, batch size, model queries and model signal as the seqzoo
run it is compared with (``adalead:preset=reference[,model=(nam:signal=S)]`` on
``tfbind8:tf=NAME`` or ``rna-binding:preset=NAME``, FLEXS's registry names) -- and returns
FLEXS's metric, the best true value among the measured sequences (the starts included).
seqzoo's ``tfbind8`` and ``rna-binding`` give FLEXS's values (the same tables; the same
ViennaRNA ``duplexfold`` energies and normalisation), so the two sides measure the same
landscape. RNABinding needs ViennaRNA's ``RNA`` module in the reference interpreter
(``pip install ViennaRNA``; this project's venv has it) and a checkout that holds
``flexs/landscapes/rna.py``; FLEXS's RNA alphabet is ``UGCA``, seqzoo's ``ACGU`` (the order
only names the states: mutations draw uniformly either way).

Building the reference environment. FLEXS is on PyPI (``flexs`` 0.2.8), but it requires
TensorFlow, tf-agents and tape-proteins, and its package ``__init__`` imports TensorFlow; the
modules used here need none of them, so a checkout (the one compared with: dd40916) and four
small packages are enough::

    git clone https://github.com/samsinai/FLEXS /tmp/flexs-src   # or a git archive of a mirror
    git -C /tmp/flexs-src checkout dd40916
    python3 -m venv /tmp/flexs-env
    /tmp/flexs-env/bin/pip install numpy pandas editdistance tqdm

then ``reference(..., python="/tmp/flexs-env/bin/python", src="/tmp/flexs-src")``. The
project's own venv works as well (``python=None``): it has numpy, pandas and tqdm, and where
``editdistance`` is missing its ``eval`` is taken from ``rapidfuzz`` (the same Levenshtein
distance). Only the parts FLEXS needs are loaded: ``flexs`` and its subpackages are entered
without running their ``__init__`` files (which import every explorer and model, TensorFlow
among them), and ``flexs.Landscape/Model/Explorer`` are set as its ``__init__`` sets them.

The run loop is ``flexs.Explorer.run``'s (train the model on every measured row, propose,
measure, append), written out here for two reasons: ``run`` calls ``DataFrame.append``,
which pandas 2 removed, and it starts from one sequence, while an oracle spec without
``initial=i`` starts from all of TFBind8's 14 registry starts, as seqzoo's run does.
FLEXS draws from Python's ``random`` and numpy's global generator; both are seeded with
``seed``. Nothing of FLEXS is copied into this project: it is imported from ``src``.

This file is also the worker: ``python adalead.py --flexs-worker`` reads one job (JSON) on
stdin and prints the result (JSON) on stdout; the worker imports nothing from seqzoo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: FLEXS's ``Adalead`` options a method spec may set (the rest have no FLEXS counterpart).
FLEXS_OPTIONS = {"mu": float, "recomb_rate": float, "threshold": float, "rho": int,
                 "eval_batch_size": int}
#: FLEXS's model_queries_per_batch in its benchmark, and seqzoo's default cap.
MODEL_QUERIES = 2000
#: Where :func:`reference` looks for a FLEXS checkout when ``src`` is None.
DEFAULT_SRC = os.environ.get("FLEXS_SRC", "/tmp/flexs-src")


def _job(method: str, oracle: str) -> dict:
    """The FLEXS run a seqzoo method and oracle spec describe; a bad spec is a ValueError."""
    from seqzoo.spec import Spec

    m, o = Spec.parse(method), Spec.parse(oracle)
    if m.name != "adalead":
        raise ValueError(f"this cross-check is for adalead, not {m.name!r}")
    options = dict(m.options)
    if options.pop("preset", "reference") != "reference":
        raise ValueError("FLEXS's AdaLead is compared with adalead:preset=reference")
    # adalead:preset=reference's own default, FLEXS's NoisyAbstractModel at its default signal
    model = options.pop("model", "nam")
    ms = Spec.parse(model)
    if ms.name != "nam" or set(ms.options) - {"signal", "distance"} \
            or ms.options.get("distance", "edit") != "edit":
        raise ValueError(f"the reference runs FLEXS's NoisyAbstractModel only "
                         f"(nam:signal=S, edit distance), not {model!r}")
    unknown = sorted(set(options) - set(FLEXS_OPTIONS))
    if unknown:
        raise ValueError(f"adalead option {unknown[0]!r} has no FLEXS counterpart")
    if o.name == "tfbind8" and not set(o.options) - {"tf", "initial"}:
        landscape, problem = "tf_binding", o.options.get("tf", "SIX6_REF_R1")
    elif o.name == "rna-binding" and not set(o.options) - {"preset", "initial"}:
        landscape, problem = "rna", o.options.get("preset", "L14_RNA1")
    else:
        raise ValueError(f"the reference runs FLEXS's TFBinding (tfbind8:tf=NAME[,initial=i]) "
                         f"or RNABinding (rna-binding:preset=NAME[,initial=i]), not {oracle!r}")
    initial = o.options.get("initial")
    return {"landscape": landscape, "problem": problem,
            "initial": None if initial is None else int(initial),
            "signal": float(ms.options.get("signal", 0.9)),  # seqzoo's and FLEXS's default
            "options": {k: FLEXS_OPTIONS[k](v) for k, v in options.items()}}


def reference(method: str, oracle: str, seed: int, rounds: int, batch_size: int, *,
              python: str | None = None, src: str | None = None,
              model_queries: int = MODEL_QUERIES, equal_rounds: bool = False,
              timeout: float | None = None) -> float:
    """The best true value FLEXS's own AdaLead measured on ``oracle`` (a seqzoo spec).

    ``method`` is ``adalead`` (the other side runs ``adalead:preset=reference``, on ``nam``
    at signal 0.9, FLEXS's ``NoisyAbstractModel`` default) or the spec the other side runs,
    such as ``adalead:preset=reference,model=(nam:signal=0.5)``, with any of FLEXS's options
    (``mu``, ``recomb_rate``, ``threshold``, ``rho``, ``eval_batch_size``). ``python`` runs
    FLEXS (default: this interpreter); ``src`` is a FLEXS checkout (default ``$FLEXS_SRC``
    or ``/tmp/flexs-src``); ``model_queries`` is FLEXS's ``model_queries_per_batch`` and
    must be the other side's ``--model-queries``.

    FLEXS's round is ``batch_size - 1`` sequences (its slice ``argsort(preds)[:-B:-1]``),
    seqzoo's ``batch_size``: with small batches seqzoo measures noticeably more (30 against
    27 in 3 rounds of 10), and that alone shifts the best value. ``equal_rounds=True`` runs
    FLEXS with ``sequences_batch_size = batch_size + 1`` so both sides measure
    ``batch_size`` a round (FLEXS's parents are then cycled to ``batch_size + 1``).
    """
    if rounds < 1 or batch_size < 2:
        raise ValueError(f"rounds must be >= 1 and batch_size >= 2 (FLEXS proposes "
                         f"batch_size - 1), got {rounds} and {batch_size}")
    src = str(Path(src or DEFAULT_SRC).resolve())
    if not (Path(src) / "flexs" / "baselines" / "explorers" / "adalead.py").is_file():
        raise ValueError(f"no FLEXS checkout at {src} (flexs/baselines/explorers/adalead.py "
                         f"is missing); see this module's docstring")
    job = _job(method, oracle)
    if not (Path(src) / "flexs" / "landscapes" / f"{job['landscape']}.py").is_file():
        raise ValueError(f"the FLEXS checkout at {src} has no flexs/landscapes/"
                         f"{job['landscape']}.py; see this module's docstring")
    job = {**job, "seed": int(seed), "rounds": int(rounds),
           "batch_size": int(batch_size) + bool(equal_rounds), "model_queries": int(model_queries), "src": src}
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([python or sys.executable, str(Path(__file__).resolve()),
                           "--flexs-worker"], input=json.dumps(job), capture_output=True,
                          text=True, env=env, timeout=timeout)
    if proc.returncode:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"FLEXS's AdaLead failed (exit {proc.returncode}): {tail[0]}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["best"])


# -- the worker: runs in the reference interpreter, imports nothing from seqzoo -------------------
def _load_flexs(src: str):
    """Import FLEXS's landscape, model and explorer modules without its package __init__s."""
    from flexs_import import load_core

    load_core(src)
    from flexs.baselines.explorers.adalead import Adalead
    from flexs.baselines.models.noisy_abstract_model import NoisyAbstractModel
    from flexs.utils import sequence_utils

    return Adalead, NoisyAbstractModel, sequence_utils


def _worker() -> None:
    job = json.load(sys.stdin)
    sys.path.insert(0, job["src"])
    import importlib
    import random

    import numpy as np
    import pandas as pd

    Adalead, NoisyAbstractModel, sequence_utils = _load_flexs(job["src"])
    module = importlib.import_module(f"flexs.landscapes.{job['landscape']}")
    problem = module.registry()[job["problem"]]
    if job["landscape"] == "rna":  # RNABinding; its starts are a dict keyed 1..5, in order
        landscape_class, alphabet = module.RNABinding, sequence_utils.RNAA
        starts = list(problem["starts"].values())
    else:
        landscape_class, alphabet = module.TFBinding, sequence_utils.DNAA
        starts = list(problem["starts"])
    starts = starts if job["initial"] is None else [starts[job["initial"]]]
    random.seed(job["seed"])
    np.random.seed(job["seed"])
    landscape = landscape_class(**problem["params"])
    model = NoisyAbstractModel(landscape, signal_strength=job["signal"])
    explorer = Adalead(model, rounds=job["rounds"], sequences_batch_size=job["batch_size"],
                       model_queries_per_batch=job["model_queries"],
                       starting_sequence=starts[0], alphabet=alphabet,
                       **job["options"])
    # flexs.Explorer.run's loop (see the module docstring for why it is written out)
    model.cost = 0
    data = pd.DataFrame({"sequence": starts, "model_score": np.nan,
                         "true_score": landscape.get_fitness(starts), "round": 0})
    for r in range(1, job["rounds"] + 1):
        model.train(data["sequence"].to_numpy(), data["true_score"].to_numpy())
        seqs, preds = explorer.propose_sequences(data)
        data = pd.concat([data, pd.DataFrame({"sequence": seqs, "model_score": preds,
                                              "true_score": landscape.get_fitness(seqs),
                                              "round": r})], ignore_index=True)
    print(json.dumps({"best": float(data["true_score"].max()), "measured": len(data),
                      "model_queries": int(model.cost)}))


if __name__ == "__main__":
    if sys.argv[1:] == ["--flexs-worker"]:
        _worker()
    else:
        sys.exit("usage: run through benchmarks/cross_check.py, or import reference() from "
                 "this module; `--flexs-worker` reads a job on stdin")
