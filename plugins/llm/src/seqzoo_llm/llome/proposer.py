"""The ``llome`` proposer: LLOME's rounds as an ask/tell state machine the engine drives.

Phases, each ending when everything it handed out has been told:

1. **Warm start**: with a shared warm start (``problem.warm_start``, or a step-0 ``tell``
   that carries more rows than the initial solutions) its rows are round 0's data and no
   evaluation is spent here. Without one, the ``ga`` proposer with the paper's settings
   (1,000 particles, mutation 0.005, recombination 0.0882, survival 0.1) serves
   ``seed_evaluations`` asks after the engine's initial solutions.
2. **Rounds** ``r = 0, 1, ...``: on the first ask after the previous phase, train (round 0
   with ``sft``, later rounds with ``objective``; the reference model of DPO and MargE is
   the previous round's model) on pairs or triples built from the previous phase's labels
   only, check the new model with the checkpoint guard, edit the best sequences seen, and
   queue up to ``labels_per_round`` unseen candidates. ``ask(n)`` serves the queue in
   pieces of at most ``n``. When the last label is told, the round's diagnostics are written
   and its model saved; after ``rounds`` training rounds the last model keeps proposing.

The checkpoint guard first checks greedy outputs on prompts held out of training (valid
text, not a copy of the prompt); if that fails the round falls back to the previous model
at once. Feasibility needs the oracle, so the distinct valid greedy outputs are queued first
among the labels; when the round is told and too few are feasible, the next round starts
from the previous model. Round 0 has no earlier model: a failing round 0 is reported and kept.

With a run folder, every completed round appends to ``llome_rounds.jsonl`` and saves its
model to ``llome/round_XX/``; :meth:`Llome.restore` reloads the last completed round on
resume, and the interrupted round is rebuilt without re-spending what it already used.
"""

from __future__ import annotations

import inspect
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from seqzoo import Problem
from seqzoo.presets import PROBLEM, signature

from .diagnostics import ROUNDS_FILE, ROUND_KEYS, append_round, label_metrics, read_rounds, round_line
from .editing import Candidates, edit, edit_separate, select_labels
from .guards import Verdict, checkpoint_guard, collapse_temperatures
from .pairs import edit_pairs, preference_triples, unique_labelled
from .parse import VALID, parse_many
from .presets import DEFAULT_PRESET, PRESETS, Settings, resolve

#: The paper's GA settings for the warm start (population comes from ``ga_population``).
GA_SETTINGS = {"mutation_prob": 0.005, "recombine_prob": 0.0882, "survival_quantile": 0.1}
#: The run folder's subfolder for each completed round's model.
CHECKPOINTS = "llome"
#: Trainers whose examples are preference triples rather than edit pairs.
PREFERENCE_OBJECTIVES = ("dpo",)


@dataclass
class Round:
    """One round in flight: its queue of labels and what is needed for its diagnostics."""

    index: int
    objective: str
    trained: bool
    verdict: Verdict  # the text half of the checkpoint guard
    guard: tuple[float, float]  # valid and repeated fractions of the greedy outputs
    metrics: dict[str, float]
    train_examples: int
    temperatures: list[float]
    candidates: Candidates
    queue: np.ndarray  # (k, L) labels to serve, the guard's greedy outputs first
    seed_values: np.ndarray  # (k,) value of each label's seed
    scores: np.ndarray  # (k,) log-likelihood per token, NaN for fallback mutants
    fallback: int
    guard_outputs: np.ndarray  # (g, L) valid greedy outputs on the held-out prompts
    guard_total: int  # held-out prompts asked
    previous: Any  # the model to fall back to if the guard fails once labels are told
    label_start: int  # where this round's labels begin in the data (before any resume)
    started: float
    served: int = 0
    values: list[np.ndarray] = field(default_factory=list)

    @property
    def told(self) -> int:
        return sum(len(v) for v in self.values)


class Llome:
    """LLOME: a language model trained round by round to edit sequences into better ones.

    Every option but ``preset`` takes the preset's value unless given (the defaults shown
    are ``preset=paper``'s, with the presets that differ in brackets). ``paper``: the paper's
    f2 sizes with this project's loop; ``reference``: the same sizes with the reference
    code's loop choices; ``cpu``: sized for the tiny model on a 2-core CPU; ``quick``: ``cpu``
    at the sizes of ``zoo compare``'s default grid (two rounds of 1,500 labels). Round 0 trains
    with ``sft``, later rounds with ``objective``. With a shared warm start (``zoo run
    --warm-start``) its rows are round 0's data and ``seed_evaluations`` is not spent.

    Options:
        preset: ``paper``, ``reference``, ``cpu`` or ``quick`` (see above).
        objective: the trainer of rounds 1.. (``marge``, ``dpo``, ``sft``, ``reinforce`` or
            any registered one).
        model: ``tiny`` (a fresh Llama-style model) or a local Hugging Face checkpoint path.
        model_size: the tiny model's size: ``micro``, ``small`` or ``base``.
        lora: train LoRA adapters only.
        lora_rank: LoRA rank.
        rounds: training rounds (round 0 included); after them the last model keeps proposing.
        labels_per_round: oracle labels each round spends.
        seed_evaluations: internal GA evaluations before round 0 when no warm start is given.
        ga_population: the internal GA's population (also its batch size).
        seeds_per_round: sequences each round's editing starts from.
        edit_iterations: edit iterations per trajectory.
        max_edit_passes: repeat the editing up to this many times while too few new
            candidates pass the likelihood filter (1: never repeat).
        temperatures: sampling temperatures (greedy decoding always runs too).
        samples_per_temperature: samples per input at each temperature.
        likelihood_quantile: candidates below this quantile of likelihood are not labelled.
        hamming_threshold: normalised Hamming radius of a training neighbourhood.
        neighbours: nearest neighbours kept per sequence.
        max_infeasible_fraction: cap on training pairs (or DPO rows) involving infeasible
            sequences.
        max_train_examples: cap on training examples per round (none: no cap).
        collapse_thresholds: edit distances below which the temperatures shift up.
        collapse_starts: the first temperature after each shift.
        guard_prompts: held-out prompts of the checkpoint guard (``checkpoints=best``: the
            most eval examples).
        guard_min_valid: the least fraction of greedy outputs that must be valid (and, with
            ``checkpoints=round``, feasible).
        guard_max_repeated: the largest fraction of greedy outputs that may copy the input.
        learning_rate: learning rate of rounds 1.. (none: the trainer's default).
        sft_learning_rate: learning rate of SFT rounds (none: the trainer's default).
        epochs: epochs per round.
        sft_epochs: round 0's epochs (none: ``epochs``).
        train_batch_size: examples per micro-batch (none: the trainer's default, 32).
        optimizer: ``adamw`` or ``adamw8bit``.
        grad_accum: micro-batches per optimizer step. MargE self-normalises its weights over
            a micro-batch, so batch 1 makes every weight 1 (the reference's f2 regime).
        sft_train_batch_size: SFT rounds' micro-batch (none: ``train_batch_size``).
        sft_grad_accum: SFT rounds' accumulation (none: ``grad_accum``).
        lr_schedule: ``constant`` (this project) or ``linear`` decay to 0 (the reference).
        weight_decay: AdamW weight decay (this project 0.01; the reference 0).
        seeds: ``history``: the best distinct sequences seen so far (this project);
            ``round``: the best target rows of this round's training set, repeats included
            (the reference).
        trajectories: ``pooled``: one trajectory per seed fed by every decode, ranked by
            temperature-1 likelihood and forced to move (this project); ``separate``: greedy
            and each temperature run their own trajectories, ranked by the temperature-warped
            likelihood, which may stay on their input (the reference).
        dpo_pairs: ``zipped``: one improving and one non-improving neighbour per triple
            (this project); ``all``: every qualifying pair of a neighbourhood plus
            ``(x, y_w, x)`` triples, infeasible rows capped (the reference).
        checkpoints: ``round``: accept or reject the round's final model on held-out greedy
            outputs, feasibility included once labelled (this project); ``best``: keep the
            round's checkpoint with the lowest eval loss among those whose greedy outputs
            pass the guard's text rules (the reference; feasibility needs the oracle, which
            a proposer never calls, so it is not part of the rule).
        checkpoint_count: checkpoints evaluated per round with ``checkpoints=best``.
        constrained: decode with a format constraint, so every output is a well-formed
            list of the right length and range (feasibility is never known to it).
    """

    presets = tuple(PRESETS)

    def __init__(self, problem: Problem, preset: str = DEFAULT_PRESET, **options: Any):
        self.settings: Settings = resolve(preset, options)
        from seqzoo.plugins import registry

        registry().get("trainer", self.settings.objective)  # unknown objective: fail now
        self.problem = problem
        self.rng = problem.rng(0x11)
        length = problem.length
        self.x, self.y = np.empty((0, length), dtype=np.int64), np.empty(0)
        self.values: dict[bytes, float] = {}
        self.round, self.current = -1, None  # last completed round; round in flight
        self.train_slice = (0, 0)  # the labels the next round trains on
        self.last_edit_distance: float | None = None
        self.resume_spent = 0  # labels the interrupted round used before a resume
        self.rejected = 0
        self.backend = None
        s = self.settings
        # A shared warm start replaces the internal GA: every method of a comparison then
        # trains on the same rows, and none of the budget goes to a second warm start.
        self.ga_budget = 0 if problem.warm_start is not None else s.seed_evaluations
        # a language-model round is told whole before the next is generated
        problem.check_whole_rounds(f"labels_per_round ({s.labels_per_round})",
                                   s.labels_per_round, "set labels_per_round to one")
        if self.ga_budget and problem.rounds and problem.batch_size:
            # under rounds the GA's phase ends with a round: a language-model round cannot
            # start on rows that the engine has not told yet
            self.ga_budget = -(-self.ga_budget // problem.batch_size) * problem.batch_size
        self.ga = self._build_ga() if self.ga_budget else None
        self.warm_served = 0

    @property
    def batch_size(self) -> int:
        s = self.settings
        return s.ga_population if self.ga is not None else s.labels_per_round

    # -- the engine's interface ---------------------------------------------------------------
    def ask(self, n: int) -> np.ndarray:
        if (self.ga is not None and self.round < 0 and self.current is None
                and self.warm_served < self.ga_budget):
            x = np.asarray(self.ga.ask(min(n, self.ga_budget - self.warm_served)))
            self.warm_served += len(x)
            return x
        if self.current is None:
            self.current = self._start_round()
        cur = self.current
        out = cur.queue[cur.served:cur.served + n]
        cur.served += len(out)
        return out

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        if not len(self.y):  # a fresh run (a resume restores first): drop a stale log
            self._clear_workdir()
            self._detect_warm_start(len(x))
        self._add(x, y)
        if self.current is None:
            if self.ga is not None and self.round < 0:
                self.ga.tell(x, y)
                if self.warm_served >= self.ga_budget:
                    self.train_slice = (0, len(self.y))
            else:  # the initial solutions of a run without a warm start
                self.train_slice = (0, len(self.y))
            return
        self.current.values.append(np.asarray(y, dtype=float))
        if self.current.told >= len(self.current.queue):
            self._finish_round(self.current)
            self.current = None

    def restore(self, history: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Rebuild from the run log: reload the last completed round's model, or replay the
        warm start into the GA; the next ask continues where the run stopped."""
        start = len(history[0][0])
        self._detect_warm_start(start)
        for x, y in history:
            self._add(x, y)
        total, warm_end = len(self.y), start + self.ga_budget
        if self.ga is not None and total < warm_end:
            self.ga.tell(*history[0])
            for x, y in history[1:]:
                self.ga.ask(len(x))  # regenerate the GA's own random draws first
                self.ga.tell(x, y)
            self.warm_served = total - start
            return
        self.warm_served = self.ga_budget
        workdir = self.problem.workdir
        done = [r for r in read_rounds(workdir) if r["evaluations"] <= total] if workdir else []
        if done:
            last = done[-1]
            self._model().load(Path(workdir) / last["checkpoint"])
            self.round, self.last_edit_distance = last["round"], last["edit_distance"]
            self.rejected = sum(not r["accepted"] for r in done)
            self.train_slice = (last["label_start"], last["evaluations"])
        else:
            self.train_slice = (0, warm_end)
        self.resume_spent = total - self.train_slice[1]

    def result_extras(self) -> dict[str, Any]:
        return {"llome_rounds": self.round + 1, "llome_rejected_rounds": self.rejected}

    # -- a round ------------------------------------------------------------------------------
    def _start_round(self) -> Round:
        s, r = self.settings, self.round + 1
        started = time.perf_counter()
        backend = self._model()
        objective = "sft" if r == 0 else s.objective
        trained = r < s.rounds
        verdict, guard, metrics, n_examples, previous = Verdict(True), (1.0, 0.0), {}, 0, None
        guard_outputs = np.empty((0, self.problem.length), dtype=np.int64)
        guard_values, guard_total = np.empty(0), 0
        round_set: list[dict] = []  # this round's training set (the reference's seed pool)
        if trained or s.seeds == "round":
            lo, hi = self.train_slice
            round_set = self._examples(objective, self.x[lo:hi], self.y[lo:hi])
        if trained and s.checkpoints == "best":
            examples, held = self._eval_split(round_set)
            n_examples = len(examples)  # guard_total stays 0: no round-level feasibility check
            if examples:
                prompts = np.array([e["prompt"] for e in held], dtype=np.int64)
                accept = lambda _lm: checkpoint_guard(  # noqa: E731
                    *self._guard_text(prompts, r)[0], min_valid=s.guard_min_valid,
                    max_repeated=s.guard_max_repeated).passed
                metrics = backend.fit(objective, examples, **self._train_options(r, objective),
                                      eval_examples=held, accept=accept,
                                      checkpoints=s.checkpoint_count)
                guard = self._guard_text(np.unique(prompts, axis=0), r)[0]
        elif trained:
            examples, guard_prompts = self._hold_out(round_set)
            n_examples, guard_total = len(examples), len(guard_prompts)
            previous = backend.snapshot() if r > 0 else None
            if examples:
                metrics = backend.fit(objective, examples, **self._train_options(r, objective))
            guard, guard_outputs, guard_values = self._guard_text(guard_prompts, r)
            verdict = checkpoint_guard(*guard, min_valid=s.guard_min_valid,
                                       max_repeated=s.guard_max_repeated)
            if not verdict.passed:  # its outputs are not worth labels; revert when possible
                guard_outputs, guard_values = guard_outputs[:0], guard_values[:0]
                if previous is not None:
                    backend.revert(previous)
                    previous = None
        temps = collapse_temperatures(s.temperatures, self.last_edit_distance,
                                      s.collapse_thresholds, s.collapse_starts)
        seeds, seed_values = self._seeds(round_set)
        need = max(1, s.labels_per_round - self.resume_spent)
        cands = self._edit(seeds, temps, need, r)
        label_start, self.resume_spent = len(self.y) - self.resume_spent, 0
        fresh: dict[bytes, int] = {}  # distinct unseen greedy outputs -> their prompt's row
        for i, g in enumerate(guard_outputs):
            if g.tobytes() not in self.values and len(fresh) < need:
                fresh.setdefault(g.tobytes(), i)
        rows = np.fromiter(fresh.values(), dtype=np.int64, count=len(fresh))
        pick = select_labels(cands, set(self.values) | set(fresh),
                             quantile=s.likelihood_quantile, k=need - len(rows), rng=self.rng)
        queue = np.concatenate([guard_outputs[rows], cands.x[pick]])
        seed_val = np.concatenate([guard_values[rows], seed_values[cands.trajectory[pick]]])
        scores = np.concatenate([np.full(len(fresh), np.nan), cands.score[pick]])
        fallback = 0
        batch = self.problem.batch_size if self.problem.rounds else None
        if batch and len(queue) >= batch and len(queue) % batch:
            # too few candidates passed the filter for the round: under rounds every round is
            # told whole, so the round ends with its last whole batch of them
            keep = len(queue) // batch * batch
            queue, seed_val, scores = queue[:keep], seed_val[:keep], scores[:keep]
        elif batch and 0 < len(queue) < batch:
            # fewer than one batch: topped up with mutants, as an empty round would be
            extra, extra_val = self._mutants(seeds, seed_values, batch - len(queue))
            queue, seed_val = np.concatenate([queue, extra]), np.concatenate([seed_val, extra_val])
            scores, fallback = np.concatenate([scores, np.full(len(extra), np.nan)]), len(extra)
        if len(queue) == 0:
            queue, seed_val = self._mutants(seeds, seed_values, need)
            scores, fallback = np.full(len(queue), np.nan), len(queue)
        return Round(r, objective, trained, verdict, guard, metrics, n_examples, temps, cands,
                     queue, seed_val, scores, fallback, guard_outputs, guard_total, previous,
                     label_start, started)

    def _finish_round(self, cur: Round) -> None:
        s = self.settings
        values = np.concatenate(cur.values)
        verdict = cur.verdict
        if verdict.passed and cur.guard_total:
            feasible = sum(np.isfinite(self.values.get(g.tobytes(), -np.inf))
                           for g in cur.guard_outputs) / cur.guard_total
            verdict = checkpoint_guard(*cur.guard, feasible, min_valid=s.guard_min_valid,
                                       max_repeated=s.guard_max_repeated)
            if not verdict.passed and cur.previous is not None:
                self.backend.revert(cur.previous)
        self.rejected += not verdict.passed
        record: dict[str, Any] = {
            "round": cur.index, "objective": cur.objective, "trained": cur.trained,
            "accepted": verdict.passed, "guard": list(verdict.reasons),
            "train_loss": cur.metrics.get("loss"), "train_examples": cur.train_examples,
            "checkpoint_step": cur.metrics.get("checkpoint_step"),
            **cur.candidates.fractions(),
            **label_metrics(values, cur.seed_values, cur.scores),
            "edit_distance": cur.candidates.edit_distance(), "temperatures": cur.temperatures,
            "labels": len(values), "fallback_labels": cur.fallback,
            "best_value": float(self.y.max()), "evaluations": len(self.y),
            "label_start": cur.label_start,
            "checkpoint": f"{CHECKPOINTS}/round_{cur.index:02d}",
            "wall_seconds": time.perf_counter() - cur.started,
        }
        workdir = self.problem.workdir
        if workdir is not None:
            self.backend.save(Path(workdir) / record["checkpoint"])
            append_round(workdir, {k: record[k] for k in ROUND_KEYS})
        from seqzoo.display import note

        note(round_line(record) + ("" if verdict.passed else
                                   " (kept: no earlier model)" if cur.index == 0
                                   else " (fell back to the previous model)"), markup=True)
        self.round, self.last_edit_distance = cur.index, record["edit_distance"]
        self.train_slice = (cur.label_start, len(self.y))

    # -- helpers ------------------------------------------------------------------------------
    def _clear_workdir(self) -> None:
        """Remove what an earlier LLOME run overwritten in this folder left behind."""
        workdir = self.problem.workdir
        if workdir is not None:
            (Path(workdir) / ROUNDS_FILE).unlink(missing_ok=True)
            shutil.rmtree(Path(workdir) / CHECKPOINTS, ignore_errors=True)

    def _detect_warm_start(self, step0_rows: int) -> None:
        """A step 0 larger than the initial solutions is a warm start: drop the GA."""
        if step0_rows > len(self.problem.initial_solutions):
            self.ga, self.ga_budget = None, 0

    def _build_ga(self):
        from seqzoo.plugins import registry

        factory = registry().get("proposer", "ga").load()
        return factory(self.problem, population=self.settings.ga_population, **GA_SETTINGS)

    def _model(self):
        if self.backend is None:
            from .backend import ModelBackend

            self.backend = ModelBackend(self.settings, self.problem.num_states,
                                        self.problem.length, self.problem.seed)
        return self.backend

    def _seed(self, round_index: int, stream: int) -> int:
        return int(self.problem.rng(1000 * round_index + stream).integers(2**31))

    def _add(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=float)
        self.x, self.y = np.concatenate([self.x, x]), np.concatenate([self.y, y])
        for row, v in zip(x, y):
            self.values.setdefault(row.tobytes(), float(v))

    def _examples(self, objective: str, x: np.ndarray, y: np.ndarray) -> list[dict]:
        s = self.settings
        if objective in PREFERENCE_OBJECTIVES:
            return preference_triples(x, y, self.rng, threshold=s.hamming_threshold,
                                      k=s.neighbours, max_triples=s.max_train_examples,
                                      mode=s.dpo_pairs,
                                      max_infeasible_fraction=s.max_infeasible_fraction)
        return edit_pairs(x, y, self.rng, threshold=s.hamming_threshold, k=s.neighbours,
                          max_infeasible_fraction=s.max_infeasible_fraction,
                          max_pairs=s.max_train_examples)

    def _hold_out(self, examples: list[dict]) -> tuple[list[dict], np.ndarray]:
        """Split off up to ``guard_prompts`` prompts (at most a tenth of them) for the guard."""
        prompts = sorted({tuple(e["prompt"]) for e in examples})
        count = min(self.settings.guard_prompts, len(prompts) // 10)
        held = {prompts[i] for i in self.rng.choice(len(prompts), size=count, replace=False)}
        kept = [e for e in examples if tuple(e["prompt"]) not in held]
        return kept, np.array(sorted(held), dtype=np.int64).reshape(-1, self.problem.length)

    def _guard_text(self, prompts: np.ndarray,
                    r: int) -> tuple[tuple[float, float], np.ndarray, np.ndarray]:
        """Greedy outputs on the held-out prompts: (valid, repeated) fractions, the valid
        outputs and their prompts' values."""
        if len(prompts) == 0:
            return (1.0, 0.0), prompts, np.empty(0)
        outs = self.backend.complete(prompts, 0.0, 1, self._seed(r, 3))
        states, why = parse_many([o[0][0] for o in outs], self.problem.length,
                                 self.problem.num_states)
        ok = why == VALID
        repeated = float((ok & (states == prompts).all(1)).mean())
        values = np.array([self.values[p.tobytes()] for p in prompts[ok]])
        return (float(ok.mean()), repeated), states[ok], values

    def _edit(self, seeds: np.ndarray, temps: list[float], need: int, r: int) -> Candidates:
        """Edit passes from the seeds until the likelihood filter can fill ``need`` labels
        (at most ``max_edit_passes``)."""
        s, passes = self.settings, []
        wanted = need / max(1.0 - s.likelihood_quantile, 1e-9)
        seen = set(self.values)
        run = edit_separate if s.trajectories == "separate" else edit
        while len(passes) < s.max_edit_passes:
            passes.append(run(seeds, self.backend.complete, iterations=s.edit_iterations,
                               temperatures=temps, samples=s.samples_per_temperature,
                               num_states=self.problem.num_states,
                               seed=self._seed(r, 10 + len(passes)),
                               complete_many=getattr(self.backend, "complete_many", None)))
            if Candidates.concat(passes).distinct(seen) >= wanted:
                break
        return Candidates.concat(passes)

    def _seeds(self, round_set: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        """The ``seeds_per_round`` seeds, best first: with ``seeds=history`` the best distinct
        sequences seen; with ``seeds=round`` the best target (DPO: chosen) rows of the round's
        training set, repeats kept, as the reference samples them."""
        n = self.settings.seeds_per_round
        if self.settings.seeds == "round" and round_set:
            key = "chosen" if "chosen" in round_set[0] else "target"
            x = np.array([e[key] for e in round_set], dtype=np.int64)
            y = np.array([self.values[row.tobytes()] for row in x])
        else:
            x, y = unique_labelled(self.x, self.y)
        top = np.argsort(-y, kind="stable")[:n]
        return x[top], y[top]

    def _train_options(self, r: int, objective: str) -> dict[str, Any]:
        """The trainer's options for round ``r``: SFT rounds may have their own rate and
        batch shape, round 0 its own epochs."""
        s = self.settings
        sft = objective == "sft"
        options: dict[str, Any] = {
            "learning_rate": s.sft_learning_rate if sft else s.learning_rate,
            "epochs": (s.sft_epochs or s.epochs) if r == 0 else s.epochs,
            "seed": self._seed(r, 1), "optimizer": s.optimizer,
            "lr_schedule": s.lr_schedule, "weight_decay": s.weight_decay,
            "grad_accum": (s.sft_grad_accum or s.grad_accum) if sft else s.grad_accum,
            "batch_size": (s.sft_train_batch_size or s.train_batch_size) if sft
            else s.train_batch_size}
        return {k: v for k, v in options.items() if v is not None}

    def _eval_split(self, examples: list[dict]) -> tuple[list[dict], list[dict]]:
        """The reference's train/eval split: 5% of the examples, at most ``guard_prompts``."""
        count = min(self.settings.guard_prompts, int(0.05 * len(examples)))
        if len(examples) < 2 or count < 1:
            return examples, []
        order = self.rng.permutation(len(examples))
        return [examples[i] for i in order[count:]], [examples[i] for i in order[:count]]

    def _mutants(self, seeds: np.ndarray, seed_values: np.ndarray,
                 need: int) -> tuple[np.ndarray, np.ndarray]:
        """Point mutants of the best seeds when editing left nothing to label."""
        parent = self.rng.integers(len(seeds), size=4 * need)
        x = seeds[parent].copy()
        sites = self.rng.integers(self.problem.length, size=len(x))
        x[np.arange(len(x)), sites] = self.rng.integers(self.problem.num_states, size=len(x))
        keep, taken = [], set(self.values)
        for i, row in enumerate(x):
            if row.tobytes() not in taken and len(keep) < need:
                taken.add(row.tobytes())
                keep.append(i)
        keep = keep or [0]  # every mutant already seen: still never an empty batch
        return x[keep], seed_values[parent[keep]]


def _signature() -> inspect.Signature:
    """``Llome(problem, preset, **options)`` with one keyword per :class:`Settings` field, so
    ``zoo list`` and the option parser see every option with its type and preset default."""
    return signature(Settings, PRESETS, DEFAULT_PRESET, (PROBLEM,))


Llome.__signature__ = _signature()
# seconds per 1,000 evaluations for zoo compare's ETA until a run of its own has finished:
# the quick preset's default-grid run took 115 s of CPU for its 3,000 (a loaded 2-core machine)
Llome.cost_hint = {"quick": 35.0}
