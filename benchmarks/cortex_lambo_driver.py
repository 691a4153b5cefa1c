"""prescient-design cortex's own LaMBO-2 on an Ehrlich oracle, round by round as poli-baselines'
``LaMBO2`` solver drives it. Runs in cortex's interpreter, never seqzoo's main venv.

    /work/cortex/bin/python benchmarks/cortex_lambo_driver.py --warm-start WARM.npz --seed S \\
        --budget 10000 --out RESULT.json [--num-samples 2000 --num-steps 64 ...]

``WARM.npz`` holds ``x`` (``(n, L)`` integer states) and ``y`` (``(n,)``, ``-inf`` for an
infeasible row). A model is first trained on the warm start (16 epochs, as bbo-bench's LLOME
reproduction); then each round: retrain cortex's model on every row so far (16 epochs, lr 5e-3
on a cosine schedule, from the weights trained on the warm start, as poli-baselines
reloads them), pick ``num_samples`` starts by
farthest-first traversal (edit distance) among the best ``2 * num_samples`` rows, build the
GraphNEI acquisition (BoTorch qLogEI per ensemble member) over them, run ``LaMBO.step()``
``num_steps`` times and evaluate the final rows, until ``budget`` evaluations (the warm start's
included) are spent or the optimum is found. Rows are logged to ``RESULT.evaluations.jsonl``
(``{"round", "sequence", "value"}``, ``null`` for infeasible) and a round-level checkpoint
``RESULT.state.pt`` lets a killed run continue; ``RESULT.json`` gets the best value after each
checkpoint's evaluations, per-round timings and the settings. cortex's chatter goes to stderr.

The defaults are bbo-bench's LLOME reproduction (``config/hydra/optimizer/lambo2.yaml`` and
``config/wandb/reproduce_llome_lambo_results.yaml``): width 128, embedding 32, kernel 5, 8
ensemble members, 2,000 proposals, 64 steps, 16 mutations (its grid: 16, 24), 2 guidance
updates at 0.05 (its grid: 0.01, 0.05), kl weight 0, ``exclude_initial_solution`` false.

Departures from poli-baselines/bbo-bench (all deliberate, see ``--help``): float32 on CPU (the
configs say precision 16 on GPU); bbo-bench's model also trains a feasibility branch
(``generic_constraint``) that its acquisition never reads, left out here; ``max_len`` defaults to the
sequence length (poli's config pads to 256, bbo-bench's to 32); the data loaders run in-process
(poli gives the denoising task one worker); the one unseeded generator in cortex's training step
(the order of the leaves' updates) is drawn from the seeded global NumPy one, so a seed
reproduces a run; the last round shrinks to the budget left. The vocabulary is the oracle's
alphabet plus cortex's utility tokens, as bbo-bench builds it.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import heapq
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SPECIALS = ["<cls>", "<pad>", "<eos>", "<unk>", ".", "-", "<mask>"]
DOMAIN = "protein_seq"  # cortex's root/task name; nothing protein-specific follows from it


def _seed_cortex_rng() -> None:
    """cortex's ``training_step`` shuffles its leaves with an unseeded ``default_rng()``."""
    original = np.random.default_rng

    def seeded(seed: Any = None) -> np.random.Generator:
        return original(np.random.randint(2**31) if seed is None else seed)

    np.random.default_rng = seeded  # type: ignore[assignment]


def model_config(vocab_file: str, args: argparse.Namespace, data_dir: str) -> dict[str, Any]:
    """poli-baselines' ``generic_training`` composition, as one dict."""
    width, kernel = args.feature_dim, args.kernel_size
    tokenizer = {"_target_": "cortex.tokenization.ProteinSequenceTokenizerFast",
                 "vocab_file": vocab_file}

    def module(batch: int, **extra: Any) -> dict[str, Any]:
        return {"_target_": "cortex.data.data_module.TaskDataModule", "_recursive_": False,
                "lengths": [1.0, 0.0], "batch_size": batch, "num_workers": 0,
                "dataset_config": {"_target_": "cortex.data.dataset.NumpyDataset",
                                   "train": "???"}, **extra}

    return {
        "data_dir": data_dir,
        "roots": {DOMAIN: {
            "_target_": "cortex.model.root.Conv1dRoot",
            "corruption_process": {"_target_": "cortex.corruption.MaskCorruptionProcess"},
            "tokenizer_transform": {"_target_": "cortex.transforms.HuggingFaceTokenizerTransform",
                                    "tokenizer": tokenizer},
            "max_len": args.max_len, "embed_dim": args.embed_dim, "channel_dim": width,
            "out_dim": args.embed_dim, "num_blocks": 2, "kernel_size": kernel}},
        "trunk": {"_target_": "cortex.model.trunk.SumTrunk"},
        "branches": {
            "protein_property": {"_target_": "cortex.model.branch.Conv1dBranch", "out_dim": 8,
                                 "channel_dim": width, "num_blocks": 1, "kernel_size": kernel},
            "protein_generation": {"_target_": "cortex.model.branch.Conv1dBranch",
                                   "out_dim": 32, "channel_dim": width, "num_blocks": 0,
                                   "kernel_size": kernel}},
        "tasks": {
            "protein_property": {"generic_task": {
                "_target_": "cortex.task.RegressionTask",
                "input_map": {DOMAIN: ["tokenized_seq"]}, "outcome_cols": ["generic_task"],
                "corrupt_train_inputs": True, "root_key": DOMAIN, "nominal_label_var": 0.01,
                "ensemble_size": args.ensemble_size,
                "data_module": module(args.train_batch_size,
                                      balance_train_partition=["recency"])}},
            "protein_generation": {DOMAIN: {
                "_target_": "cortex.task.DenoisingLanguageModelTask", "tokenizer": tokenizer,
                "input_map": {DOMAIN: ["tokenized_seq"]}, "root_key": DOMAIN,
                "ensemble_size": 1,
                "data_module": module(args.train_batch_size, balance_train_partition=None,
                                      drop_last=False, train_on_everything=False)}}},
        "tree": {
            "_target_": "cortex.model.tree.SequenceModelTree", "_recursive_": False,
            "fit_cfg": {
                "reinitialize_roots": False, "linear_probing": False, "weight_averaging": None,
                "optimizer": {"_target_": "torch.optim.Adam", "lr": args.lr, "weight_decay": 0.0,
                              "betas": [0.9, 0.99], "fused": False},
                "lr_scheduler": {"_target_": "transformers.get_cosine_schedule_with_warmup",
                                 "num_warmup_steps": 2, "num_training_steps": args.epochs}}},
    }


def recency_partition(t: np.ndarray) -> np.ndarray:
    """poli's ``_geometric_partitioning``, quirk included: past the newest round every older
    row falls in the partition whose window reaches it last (its ``start`` is clamped to 0)."""
    out = np.zeros_like(t)
    current, index = int(t.max()), 0
    while current >= 0:
        if index == 0:
            out[t == current] = 0
            current -= 1
        else:
            out[t < current + 1] = index
            current -= 2**index
        index += 1
    return out


def farthest_first(library: list[str], scores: np.ndarray, n: int) -> list[int]:
    """beignet's farthest-first traversal (lazy max-heap on the distance to the picks so far),
    starting from the best score and breaking distance ties by the better score, then index."""
    import edlib

    def dist(a: int, b: int) -> int:
        return edlib.align(library[a], library[b])["editDistance"]

    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    picked = [order[0]]
    heap = [(-dist(i, picked[0]), -float(scores[i]), i, 1) for i in order[1:]]
    heapq.heapify(heap)
    while len(picked) < n:
        neg, neg_score, i, checked = heapq.heappop(heap)
        if checked < len(picked):
            d = min([-neg] + [dist(i, picked[j]) for j in range(checked, len(picked))])
            heapq.heappush(heap, (-d, neg_score, i, len(picked)))
        else:
            picked.append(i)
    return picked


class CortexLambo:
    """The outer loop; ``history`` holds one (tokens, values, round) triple per round."""

    def __init__(self, args: argparse.Namespace, alphabet: str, workdir: str):
        from omegaconf import OmegaConf

        self.args, self.alphabet = args, alphabet
        vocab_file = os.path.join(workdir, "vocab.txt")
        Path(vocab_file).write_text("\n".join(list(alphabet) + SPECIALS) + "\n")
        self.cfg = OmegaConf.create(model_config(vocab_file, args, workdir))
        self.history: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def spaced(self, x: np.ndarray) -> np.ndarray:
        return np.array([" ".join(self.alphabet[s] for s in row) for row in x])

    def train(self, epochs: int, start: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
        """A fresh model, loaded with ``start`` when given, fit to every row so far."""
        import hydra
        import lightning as L

        model = hydra.utils.instantiate(self.cfg.tree)
        model.build_tree(self.cfg, skip_task_setup=True)
        if start is not None:
            model.load_state_dict(start)
        # newest round first, as poli concatenates: NumpyDataset's fixed 80% split follows order
        x = np.concatenate([h[0] for h in self.history[::-1]])
        y = np.concatenate([h[1] for h in self.history[::-1]])
        t = np.concatenate([h[2] for h in self.history[::-1]])
        recency = recency_partition(t)
        feasible = y > -np.inf
        unique_x, first = np.unique(x[feasible], return_index=True)
        data = {
            "generic_task": {"tokenized_seq": x[feasible], "generic_task": y[feasible],
                             "recency": recency[feasible]},
            DOMAIN: {"tokenized_seq": unique_x, "recency": t[feasible][first]},
        }
        for key, task in model.task_dict.items():
            task.data_module.setup(stage="test", dataset_kwargs={"data": data[key]})
            task.data_module.setup(stage="fit", dataset_kwargs={"data": data[key]})
        trainer = L.Trainer(max_epochs=epochs, num_sanity_val_steps=0, accelerator="cpu",
                            devices=1, precision=32, logger=False, enable_checkpointing=False,
                            enable_progress_bar=False, enable_model_summary=False)
        trainer.fit(model, train_dataloaders=model.get_dataloader(split="train"))
        return model, copy.deepcopy(model.state_dict())

    def candidates(self, n: int) -> np.ndarray:
        x = np.concatenate([h[0] for h in self.history])
        y = np.concatenate([h[1] for h in self.history])
        top = np.argsort(-y, kind="stable")[:min(len(x), self.args.fft_expansion_factor * n)]
        return x[top][farthest_first(list(x[top]), y[top], n)]

    def propose(self, model, n: int) -> np.ndarray:
        optimizer = self.optimizer(model, self.candidates(n))
        for _ in range(self.args.num_steps):
            optimizer.step()
        return self.states(optimizer.get_best_solutions()[DOMAIN].values)

    def states(self, rows) -> np.ndarray:
        """cortex's space-separated strings back to ``(n, L)`` states."""
        index = {c: i for i, c in enumerate(self.alphabet)}
        return np.array([[index[c] for c in row.split(" ")] for row in rows], dtype=np.int64)

    def optimizer(self, model, starts: np.ndarray):
        """cortex's ``LaMBO`` over ``starts`` with the round's GraphNEI, as poli builds it."""
        from cortex.acquisition import GraphNEI, get_graph_nei_runtime_kwargs
        from cortex.optim.generative import LaMBO

        a = self.args
        runtime = get_graph_nei_runtime_kwargs(model, starts, objectives=["generic_task"],
                                               constraints=None, scaling=None)
        acquisition = GraphNEI(objectives=["generic_task"], constraints=None, scaling=None,
                               **runtime)
        transform = model.root_nodes[DOMAIN].eval_transform
        tokenizer = transform[0].tokenizer
        tokenizer.corruption_vocab_excluded.add("-")  # fixed length: gaps never in or out
        tokenizer.sampling_vocab_excluded.add("-")
        tok_idxs = transform(starts)
        return LaMBO(
            params=tok_idxs, is_mutable=tokenizer.get_corruptible_mask(tok_idxs), model=model,
            objective=acquisition, max_num_solutions=len(starts),
            num_mutations_per_step=a.num_mutations_per_step,
            max_guidance_updates=a.max_guidance_updates, guidance_step_size=a.guidance_step_size,
            guidance_layer="trunk", kl_weight=a.kl_weight, feature_attr_temp=1.0,
            constraint_fn=None, domain_name=DOMAIN,
            exclude_initial_solution=a.exclude_initial_solution,
            resample_edit_positions=a.resample_edit_positions)


def _finite(value: float) -> float | None:
    """JSON has no infinities: ``None`` stands for -inf (infeasible), as in seqzoo's logs."""
    return None if value == -np.inf else float(value)


def best_after(values: list[float], checkpoints: list[int]) -> dict[str, float | None]:
    best = np.maximum.accumulate(np.array(values, dtype=float))
    return {str(c): _finite(best[min(c, len(best)) - 1]) for c in checkpoints}


def write_log(path: Path, rounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    lines = [json.dumps({"round": int(r), "sequence": seq.replace(" ", ""), "value": _finite(v)})
             for xs, ys, ts in rounds for seq, v, r in zip(xs, ys, ts)]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(line + "\n" for line in lines))
    tmp.replace(path)


def _rng_state() -> dict[str, Any]:
    import torch

    return {"random": random.getstate(), "numpy": np.random.get_state(),
            "torch": torch.get_rng_state()}


def _set_rng_state(state: dict[str, Any]) -> None:
    import torch

    random.setstate(state["random"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])


def run(args: argparse.Namespace, workdir: str) -> dict[str, Any]:
    import lightning as L
    import torch

    from seqzoo.engine import build_oracle

    torch.set_num_threads(args.threads)
    oracle = build_oracle(args.oracle)
    out = Path(args.out)
    log_path, state_path = out.with_suffix(".evaluations.jsonl"), out.with_suffix(".state.pt")
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "threads")}
    warm = np.load(args.warm_start)
    x0, y0 = warm["x"].astype(np.int64), warm["y"].astype(float)
    if x0.shape[1] != oracle.length or x0.max() >= len(oracle.alphabet):
        raise SystemExit(f"{args.warm_start}: rows do not fit {args.oracle}")
    if len(x0) < args.num_samples:  # poli pads with random mutants; here the warm start must do
        raise SystemExit(f"the warm start has {len(x0)} rows, fewer than --num-samples")
    _seed_cortex_rng()
    L.seed_everything(args.seed, workers=True)
    loop = CortexLambo(args, oracle.alphabet, workdir)
    values, rounds = [float(v) for v in y0], []
    state: dict[str, Any] | None
    initial: dict[str, Any] | None
    loop.history.append((loop.spaced(x0), y0, np.zeros(len(y0), dtype=np.int64)))
    if state_path.exists():  # a killed run: continue after its last complete round
        saved = torch.load(state_path, weights_only=False)
        if saved["settings"] != settings:
            raise SystemExit(f"{state_path} was written with other settings; remove it")
        loop.history, state, initial = saved["history"], saved["state"], saved["initial_state"]
        rounds, pretrain_seconds = saved["rounds"], saved["pretrain_seconds"]
        values = [float(v) for h in loop.history for v in h[1]]
        _set_rng_state(saved["rng"])
    else:  # poli trains once before its first step and reloads that model every step
        tick = time.perf_counter()
        initial = loop.train(args.pretrain_epochs, None)[1] if args.pretrain_epochs else None
        state, pretrain_seconds = initial, time.perf_counter() - tick
    start = time.perf_counter() - pretrain_seconds - sum(r["seconds"] for r in rounds)
    while len(values) < args.budget:
        if args.stop_on_optimum and max(values) >= oracle.optimal_value:
            break
        n = min(args.num_samples, args.budget - len(values))
        tick = time.perf_counter()
        model, state = loop.train(args.epochs, initial if args.warm_from == "initial" else state)
        trained = time.perf_counter()
        x = loop.propose(model, n)
        proposed = time.perf_counter()
        y = np.asarray(oracle(x), dtype=float)
        number = len(loop.history)
        loop.history.append((loop.spaced(x), y, np.full(n, number, dtype=np.int64)))
        values.extend(float(v) for v in y)
        rounds.append({"round": number, "evaluations": len(values),
                       "best": _finite(max(values)), "round_best": _finite(y.max()),
                       "feasible": int((y > -np.inf).sum()),
                       "distinct": len({r.tobytes() for r in x}),
                       "train_seconds": trained - tick, "propose_seconds": proposed - trained,
                       "seconds": time.perf_counter() - tick})
        # state first: a kill between the two leaves a log that the next round rewrites
        tmp = state_path.with_suffix(".tmp")
        torch.save({"settings": settings, "history": loop.history, "state": state,
                    "initial_state": initial, "rounds": rounds,
                    "pretrain_seconds": pretrain_seconds, "rng": _rng_state()}, tmp)
        tmp.replace(state_path)
        write_log(log_path, loop.history[1:])
        print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)
    checkpoints = sorted({c for c in args.checkpoints if c <= args.budget} | {args.budget})
    return {"seed": args.seed, "evaluations": len(values), "best": _finite(max(values)),
            "best_after": best_after(values, checkpoints), "rounds": rounds,
            "pretrain_seconds": pretrain_seconds, "wall_seconds": time.perf_counter() - start,
            "settings": settings, "versions": _versions()}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("pytorch-cortex", "torch", "lightning", "botorch",
                                    "transformers")}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-start", required=True, help=".npz with x (n, L) and y (n,)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--budget", type=int, default=10_000,
                        help="evaluations, the warm start's included")
    parser.add_argument("--out", required=True, help="result .json (log and state beside it)")
    parser.add_argument("--oracle", default="ehrlich:preset=f2")
    parser.add_argument("--checkpoints", default="2000,5000,10000",
                        type=lambda s: [int(c) for c in s.split(",")])
    parser.add_argument("--num-samples", type=int, default=2000, help="proposals per round")
    parser.add_argument("--num-steps", type=int, default=64, help="LaMBO.step() per round")
    parser.add_argument("--num-mutations-per-step", type=int, default=16)
    parser.add_argument("--max-guidance-updates", type=int, default=2)
    parser.add_argument("--guidance-step-size", type=float, default=0.05)
    parser.add_argument("--kl-weight", type=float, default=0.0)
    parser.add_argument("--exclude-initial-solution", action=argparse.BooleanOptionalAction,
                        default=False, help="bbo-bench's LLOME reproduction: false")
    parser.add_argument("--resample-edit-positions", action=argparse.BooleanOptionalAction,
                        default=True)
    parser.add_argument("--fft-expansion-factor", type=int, default=2,
                        help="starts are picked among the best factor * num_samples rows")
    parser.add_argument("--epochs", type=int, default=16, help="training epochs per round")
    parser.add_argument("--pretrain-epochs", type=int, default=16,
                        help="epochs of the model trained before the first round (0: none)")
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--train-batch-size", type=int, default=128)
    parser.add_argument("--feature-dim", type=int, default=128)
    parser.add_argument("--embed-dim", type=int, default=32,
                        help="token embedding and root output width (bbo-bench: 32)")
    parser.add_argument("--kernel-size", type=int, default=5)
    parser.add_argument("--ensemble-size", type=int, default=8)
    parser.add_argument("--max-len", type=int, default=None,
                        help="cortex pads to this length (default: the oracle's; poli: 256)")
    parser.add_argument("--warm-from", choices=("last", "initial"), default="initial",
                        help="weights each round starts from (poli-baselines: initial)")
    parser.add_argument("--stop-on-optimum", action=argparse.BooleanOptionalAction,
                        default=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    if args.max_len is None:
        from seqzoo.engine import build_oracle

        args.max_len = int(build_oracle(args.oracle).length)
    return args


def main() -> None:
    args = arguments()
    with (contextlib.redirect_stdout(sys.stderr),  # LaMBO prints every tensor it makes
          tempfile.TemporaryDirectory(prefix="cortex-lambo-") as workdir):
        result = run(args, workdir)
    text = json.dumps(result, indent=2, allow_nan=False)
    tmp = Path(args.out).with_suffix(".json.tmp")
    tmp.write_text(text + "\n")
    tmp.replace(args.out)
    Path(args.out).with_suffix(".state.pt").unlink(missing_ok=True)
    print(text)


if __name__ == "__main__":
    main()
