"""The reference side of the CbAS/DbAS cross-check: FLEXS's own ``CbAS`` explorer.

:func:`reference` runs FLEXS's ``CbAS`` explorer (``flexs/baselines/explorers/cbas_dbas.py``,
``algo="cbas"`` or ``"dbas"``) with its Keras VAE (``flexs/utils/VAE_utils.py``) and its
``NoisyAbstractModel`` on its ``TFBinding`` landscape -- the same factor, starts, rounds,
batch size, model queries and model signal as the seqzoo run it is compared with
(``cbas:preset=reference`` or ``dbas:preset=reference``, whose model is ``nam`` at signal
0.9, on ``tfbind8:tf=NAME``) -- and returns FLEXS's metric, the best true value among the
measured sequences (the starts included). seqzoo's ``tfbind8`` gives FLEXS's TFBind8 values
exactly, so both sides measure the same landscape.

FLEXS is run as it is, its two departures from the paper included: its VAE's ``train_step``
never sees the sample weights (Keras drops ``sample_weight`` when ``y`` is None), and its
sampler reshapes the decoder's ``(L, alphabet)`` output as ``(alphabet, L)``. The seqzoo side
follows the paper there (weighted ELBO, per-site probabilities), so the two are expected to
differ by what those two change; the plugin README lists every other difference.

The VAE is built as FLEXS's paper scripts build it (``paper_code/cloud/runner.py``:
``batch_size=100, latent_dim=2, intermediate_dim=250, epochs=10, validation_split=0``), the
explorer with its code defaults (``Q=0.7``, ``cycle_batch_size=100``, ``mutation_rate=0.2``),
as ``preset=reference`` takes them.

Building the reference environment. FLEXS needs TensorFlow, and its package ``__init__``
imports every explorer and model (tf-agents among them); only the modules used here are
loaded, from a checkout (the one compared with: dd40916)::

    git clone https://github.com/samsinai/FLEXS /tmp/flexs-src   # or a git archive of a mirror
    git -C /tmp/flexs-src checkout dd40916
    python3 -m pip install --target /tmp/flexs-tf tensorflow-cpu   # 2.21 with Keras 3 here

then ``reference(..., python=PY, src="/tmp/flexs-src")`` where ``PY`` is an interpreter
with numpy, pandas and either ``editdistance`` or ``rapidfuzz`` (this project's venv has
them) and TensorFlow importable: ``PYTHONPATH=/tmp/flexs-tf`` is set for the worker when
``$FLEXS_TF`` names that folder (default ``/tmp/flexs-tf`` if it exists). FLEXS was written
for TensorFlow 2 with Keras 2; under Keras 3 three renamed calls are bridged before FLEXS is
imported, nothing else: ``Input(shape=int)`` becomes ``Input(shape=(int,))``,
``Adam(lr=...)`` becomes ``Adam(learning_rate=...)``, and ``DataFrame.append`` (pandas 2
removed it) is not called because the run loop of ``flexs.Explorer.run`` is written out
here, as in ``crosscheck/adalead.py``. FLEXS draws from Python's ``random``, numpy's global
generator and TensorFlow's; all three are seeded with ``seed``. Nothing of FLEXS is copied
into this project: it is imported from ``src``.

This file is also the worker: ``python cbas.py --flexs-worker`` reads one job (JSON) on
stdin and prints the result (JSON) on stdout; the worker imports nothing from seqzoo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: FLEXS's model_queries_per_batch in its benchmark, and seqzoo's default cap.
MODEL_QUERIES = 2000
#: Where :func:`reference` looks for a FLEXS checkout when ``src`` is None.
DEFAULT_SRC = os.environ.get("FLEXS_SRC", "/tmp/flexs-src")
#: A ``pip install --target`` folder with TensorFlow, put on the worker's PYTHONPATH.
DEFAULT_TF = os.environ.get("FLEXS_TF", "/tmp/flexs-tf")
#: The explorer's options a method spec may set, with the seqzoo option that names them.
FLEXS_OPTIONS = {"quantile": ("Q", float), "samples": ("cycle_batch_size", int),
                 "mutation_rate": ("mutation_rate", float)}


def _job(method: str, oracle: str) -> dict:
    """The FLEXS run a seqzoo method and oracle spec describe; a bad spec is a ValueError."""
    from seqzoo.spec import Spec

    m, o = Spec.parse(method), Spec.parse(oracle)
    if m.name not in ("cbas", "dbas"):
        raise ValueError(f"this cross-check is for cbas and dbas, not {m.name!r}")
    options = dict(m.options)
    if options.pop("preset", "reference") != "reference":
        raise ValueError(f"FLEXS's CbAS is compared with {m.name}:preset=reference")
    model = options.pop("model", "nam")  # the preset's own default
    ms = Spec.parse(model)
    if ms.name != "nam" or set(ms.options) - {"signal", "distance"} \
            or ms.options.get("distance", "edit") != "edit":
        raise ValueError(f"the reference runs FLEXS's NoisyAbstractModel only "
                         f"(nam:signal=S, edit distance), not {model!r}")
    unknown = sorted(set(options) - set(FLEXS_OPTIONS))
    if unknown:
        raise ValueError(f"{m.name} option {unknown[0]!r} has no FLEXS counterpart here")
    if o.name != "tfbind8" or set(o.options) - {"tf", "initial"}:
        raise ValueError(f"the reference runs FLEXS's TFBinding (tfbind8:tf=NAME[,initial=i]), "
                         f"not {oracle!r}")
    initial = o.options.get("initial")
    return {"algo": m.name, "tf": o.options.get("tf", "SIX6_REF_R1"),
            "initial": None if initial is None else int(initial),
            "signal": float(ms.options.get("signal", 0.9)),
            "options": {FLEXS_OPTIONS[k][0]: FLEXS_OPTIONS[k][1](v) for k, v in options.items()}}


def reference(method: str, oracle: str, seed: int, rounds: int, batch_size: int, *,
              python: str | None = None, src: str | None = None,
              model_queries: int = MODEL_QUERIES, timeout: float | None = None) -> float:
    """The best true value FLEXS's own CbAS (or DbAS) measured on ``oracle`` (a seqzoo spec).

    ``method`` is ``cbas`` or ``dbas`` (the other side runs ``METHOD:preset=reference``, on
    ``nam`` at signal 0.9) or the spec the other side runs, such as
    ``dbas:preset=reference,model=(nam:signal=0.5),quantile=0.8``; ``quantile``, ``samples``
    and ``mutation_rate`` pass to FLEXS as ``Q``, ``cycle_batch_size`` and
    ``mutation_rate``. ``python`` runs FLEXS (default: this interpreter); ``src`` is a
    FLEXS checkout (default ``$FLEXS_SRC`` or ``/tmp/flexs-src``); ``model_queries`` is
    FLEXS's ``model_queries_per_batch`` and must be the other side's ``--model-queries``.
    """
    if rounds < 1 or batch_size < 2:
        raise ValueError(f"rounds must be >= 1 and batch_size >= 2 (FLEXS proposes "
                         f"batch_size - 1), got {rounds} and {batch_size}")
    src = str(Path(src or DEFAULT_SRC).resolve())
    if not (Path(src) / "flexs" / "baselines" / "explorers" / "cbas_dbas.py").is_file():
        raise ValueError(f"no FLEXS checkout at {src} (flexs/baselines/explorers/cbas_dbas.py "
                         f"is missing); see this module's docstring")
    job = {**_job(method, oracle), "seed": int(seed), "rounds": int(rounds),
           "batch_size": int(batch_size), "model_queries": int(model_queries), "src": src}
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    if Path(DEFAULT_TF).is_dir():
        env["PYTHONPATH"] = os.pathsep.join(p for p in (DEFAULT_TF, env.get("PYTHONPATH"))
                                            if p)
    proc = subprocess.run([python or sys.executable, str(Path(__file__).resolve()),
                           "--flexs-worker"], input=json.dumps(job), capture_output=True,
                          text=True, env=env, timeout=timeout)
    if proc.returncode:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"FLEXS's CbAS failed (exit {proc.returncode}): {tail[0]}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["best"])


# -- the worker: runs in the reference interpreter, imports nothing from seqzoo -------------------
def _bridge_keras3() -> None:
    """Let FLEXS's Keras 2 calls run under Keras 3 (renames only; see the module docstring)."""
    import tensorflow as tf

    keras = tf.keras
    if not keras.__version__.startswith("3"):
        return
    layer_input, adam = keras.layers.Input, keras.optimizers.Adam

    def input_(shape=None, *args, **kwargs):
        return layer_input(shape=(shape,) if isinstance(shape, int) else shape, *args,
                           **kwargs)

    def adam_(*args, lr=None, **kwargs):
        if lr is not None:
            kwargs["learning_rate"] = lr
        return adam(*args, **kwargs)

    keras.layers.Input = input_
    keras.optimizers.Adam = adam_


def _load_flexs(src: str):
    """Import FLEXS's landscape, model, explorer and VAE modules without its package __init__s."""
    from flexs_import import load_core

    load_core(src)
    _bridge_keras3()
    from flexs.baselines.explorers.cbas_dbas import CbAS
    from flexs.baselines.models.noisy_abstract_model import NoisyAbstractModel
    from flexs.landscapes import tf_binding
    from flexs.utils import sequence_utils
    from flexs.utils.VAE_utils import VAE

    return CbAS, VAE, NoisyAbstractModel, tf_binding, sequence_utils


def _worker() -> None:
    job = json.load(sys.stdin)
    sys.path.insert(0, job["src"])
    import random

    import numpy as np
    import pandas as pd
    import tensorflow as tf

    CbAS, VAE, NoisyAbstractModel, tf_binding, sequence_utils = _load_flexs(job["src"])
    problem = tf_binding.registry()[job["tf"]]
    starts = problem["starts"] if job["initial"] is None else [problem["starts"][job["initial"]]]
    random.seed(job["seed"])
    np.random.seed(job["seed"])
    tf.random.set_seed(job["seed"])
    landscape = tf_binding.TFBinding(**problem["params"])
    model = NoisyAbstractModel(landscape, signal_strength=job["signal"])
    alphabet = sequence_utils.DNAA
    generator = VAE(seq_length=len(starts[0]), alphabet=alphabet, batch_size=100,
                    latent_dim=2, intermediate_dim=250, epochs=10, epsilon_std=1.0, beta=1,
                    validation_split=0, verbose=False)
    explorer = CbAS(model, generator=generator, rounds=job["rounds"],
                    starting_sequence=starts[0], sequences_batch_size=job["batch_size"],
                    model_queries_per_batch=job["model_queries"], alphabet=alphabet,
                    algo=job["algo"], **job["options"])
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
        print(f"round {r}: best {data['true_score'].max():.4f}", file=sys.stderr, flush=True)
    print(json.dumps({"best": float(data["true_score"].max()), "measured": len(data),
                      "model_queries": int(model.cost)}))


if __name__ == "__main__":
    if sys.argv[1:] == ["--flexs-worker"]:
        _worker()
    else:
        sys.exit("usage: run through benchmarks/cross_check.py, or import reference() from "
                 "this module; `--flexs-worker` reads a job on stdin")
