"""``zoo campaign``: design with a lab as the oracle, one round at a time (seqzoo.campaign)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("campaign", help="design with a lab as the oracle, round by round",
                       description="A campaign folder: propose a round, measure it in the "
                                   "lab, repeat. The log is the state: every propose replays "
                                   "it into a fresh proposer. See docs/campaigns.md.")
    steps = p.add_subparsers(dest="campaign_command", metavar="STEP", required=True)

    init = steps.add_parser("init", help="start a campaign folder")
    init.add_argument("dir", metavar="DIR")
    init.add_argument("--proposer", metavar="SPEC", required=True, help="e.g. ga:elitism=true")
    init.add_argument("--batch-size", type=int, metavar="B", required=True,
                      help="sequences per round (what the lab measures at once)")
    init.add_argument("--seed", type=int, default=0, metavar="S")
    init.add_argument("--alphabet", metavar="TOKENS", help="one character per state")
    init.add_argument("--length", type=int, metavar="L", help="sequence length")
    init.add_argument("--start", action="append", default=[], metavar="SEQ",
                      help="a starting sequence (repeatable)")
    init.add_argument("--like", metavar="ORACLE_SPEC",
                      help="take alphabet, length and starts from a registered oracle "
                           "(never called)")
    init.add_argument("--data", metavar="FILE",
                      help="measured rows to start from (.csv/.jsonl: sequence, value; an "
                           "empty value is measured in round 0)")
    init.add_argument("--rounds", type=int, metavar="R",
                      help="planned rounds after round 0 (default: open-ended)")
    init.add_argument("--model-queries", type=int, metavar="Q",
                      help="surrogate queries a model-guided proposer may make per round")
    init.add_argument("--threads", type=int, metavar="N", help="torch/BLAS threads")
    init.set_defaults(func=_init)

    propose = steps.add_parser("propose", help="write the next round's proposals.csv")
    propose.add_argument("dir", metavar="DIR")
    _allow_mixed(propose)
    propose.set_defaults(func=_propose)

    measure = steps.add_parser("measure", help="log the lab's values for the pending round")
    measure.add_argument("dir", metavar="DIR")
    measure.add_argument("results", metavar="RESULTS", help=".csv or .jsonl with sequence, "
                                                            "value (empty: failed)")
    measure.add_argument("--round", type=int, metavar="K",
                         help="refuse unless round K is the pending round")
    measure.set_defaults(func=_measure)

    status = steps.add_parser("status", help="rounds, best so far, pending proposals")
    status.add_argument("dir", metavar="DIR")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(func=_status)

    simulate = steps.add_parser("simulate", help="play the lab with a registered oracle")
    simulate.add_argument("dir", metavar="DIR")
    simulate.add_argument("--oracle", metavar="SPEC", required=True)
    simulate.add_argument("--rounds", type=int, metavar="R", required=True,
                          help="rounds to play (round 0 on top, when pending)")
    _allow_mixed(simulate)
    simulate.set_defaults(func=_simulate)
    for step in steps.choices.values():  # `zoo campaign propose DIR --debug` works as well
        import argparse

        step.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help="show tracebacks on errors")


def _allow_mixed(p) -> None:
    p.add_argument("--allow-mixed", action="store_true",
                   help="propose although versions changed since round 0 (or the replay "
                        "differs from the log)")


def _init(args) -> int:
    from ..campaign import Campaign
    from ..protocol import MODEL_QUERIES

    c = Campaign.init(args.dir, args.proposer, args.batch_size, args.seed,
                      alphabet=args.alphabet, length=args.length, starts=args.start,
                      like=args.like, data=args.data, rounds=args.rounds,
                      model_queries=MODEL_QUERIES if args.model_queries is None
                      else args.model_queries, threads=args.threads)
    st = c.status()
    print(f"campaign {args.dir}: {st['proposer']}, {st['batch_size']} a round, seed "
          f"{st['seed']}; next: zoo campaign propose {args.dir}")
    return 0


def _propose(args) -> int:
    from ..campaign import Campaign

    print(Campaign(args.dir, allow_mixed=args.allow_mixed).propose())
    return 0


def _measure(args) -> int:
    import sys

    from ..campaign import Campaign

    got = Campaign(args.dir).measure(args.results, round=args.round)
    for note in got.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"round {got.round}: {got.measured} measured, {got.failed} failed; best so far "
          f"{_value(got.best_value)} ({got.best_sequence})")
    return 0


def _status(args) -> int:
    import json

    from ..campaign import Campaign

    st = Campaign(args.dir).status()
    if args.json:
        print(json.dumps(st, sort_keys=True))
        return 0
    options = ", ".join(f"{k}={v}" for k, v in st["proposer_options"].items()) or "defaults"
    defaults = ", ".join(f"{k}={v}" for k, v in st["proposer_defaults"].items())
    planned = st["planned_rounds"] or "open-ended"
    print(f"campaign     {st['folder']}")
    print(f"proposer     {st['proposer']} ({options}); batch size {st['batch_size']}, "
          f"seed {st['seed']}, model queries {st['model_queries']}")
    if defaults:
        print(f"defaults     {defaults}")
    print(f"problem      length {st['length']} over {st['alphabet']!r}, {st['starts']} "
          f"start(s)" + (f", like {st['like']}" if st["like"] else "")
          + (f", {st['warm_start_rows']} warm-start row(s)" if st["warm_start_rows"] else ""))
    print(f"rounds       {st['rounds_measured']} measured of {planned}"
          + ("" if st["start_rows_measured"] else " (round 0, the start rows, not yet)"))
    print(f"evaluations  {st['evaluations']} ({st['failed']} failed)")
    print(f"best so far  {_value(st['best_value'])}" + (
        f" {st['best_sequence']} (round {st['best_round']})" if st["best_sequence"] else ""))
    if st["pending_round"] is None:
        print(f"pending      nothing: zoo campaign propose {st['folder']}")
    else:
        print(f"pending      round {st['pending_round']}: {st['pending_sequences']} "
              f"sequence(s) in {st['pending_file']}")
    return 0


def _simulate(args) -> int:
    from ..campaign import Campaign

    for got in Campaign(args.dir, allow_mixed=args.allow_mixed).simulate(args.oracle,
                                                                         args.rounds):
        print(f"round {got.round}: {got.measured} measured, {got.failed} failed; best so "
              f"far {_value(got.best_value)} ({got.best_sequence})")
    return 0


def _value(v) -> str:
    return "none yet" if v is None else f"{v:.6g}"
