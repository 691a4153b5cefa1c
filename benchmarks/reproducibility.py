"""Does a seeded run reproduce on this machine? Fingerprints of short runs, per proposer.

    python benchmarks/reproducibility.py                  # compare with the committed file
    python benchmarks/reproducibility.py --record         # rewrite the committed file
    python benchmarks/reproducibility.py --proposers ga,lambo2 [--file PATH] [--threads 2]

Each installed proposer (or those named) runs once, seed 0, one thread, on
``ehrlich:preset=f2`` from a small shared GA warm start, for a few rounds of a small batch.
Its fingerprint is every evaluated sequence and value of each round. ``--record`` writes the
fingerprints with the machine they came from (CPU model, thread count, library versions) to
``benchmarks/fingerprints.json``; without it the script runs the same and prints, per
proposer, one of:

- ``exact``: the same sequences and bit-identical values in every round;
- ``within rounding``: the same sequences, values equal to ``--digits`` decimals;
- ``diverges from round K``: the first round whose sequences (or values beyond rounding)
  differ; earlier rounds matched.

Why a proposer diverges across machines is in docs/concepts.md ("Same seed, same result --
on which machine?"): numpy-only proposers reproduce exactly, torch ones may not, because
their training's float reductions follow the CPU's vector width and the thread count.
The exit status is 0 whatever the verdicts (it is a measurement, not a test); 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

ORACLE = "ehrlich:preset=f2"
WARM_START, WARM_BUDGET = "ga:population=32", 64
BATCH, ROUNDS, SEED = 32, 3, 0
FILE = Path(__file__).with_name("fingerprints.json")

#: Sizes that keep a fingerprint run within seconds; the algorithm is each proposer's own.
SMALL = {
    "llome": "llome:preset=cpu,labels_per_round=32,seeds_per_round=4,ga_population=64",
    "cbas": "cbas:cycles=2,model_epochs=5",
    "dbas": "dbas:cycles=2,model_epochs=5",
    "pex": "pex:model_epochs=5",
    "bo": "bo:max_data=300",
    "ga": "ga:population=32",
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, object]:
    versions = {}
    for dist in ("seqzoo", "numpy", "torch", "scipy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return {"cpu": cpu_model(), "threads": 1, "python": platform.python_version(),
            "versions": versions}


def fingerprint(spec: str, threads: int = 1) -> list[dict[str, list]]:
    """Per round after the warm start: the sequences and values it evaluated, in order."""
    import seqzoo

    with tempfile.TemporaryDirectory() as tmp:
        seqzoo.run(ORACLE, spec, batch_size=BATCH, rounds=ROUNDS, seed=SEED, out=tmp,
                   warm_start=WARM_START, warm_start_budget=WARM_BUDGET, threads=threads,
                   stop_on_optimum=False)
        rows = [json.loads(line) for line in
                (Path(tmp) / "evaluations.jsonl").read_text().splitlines() if line.strip()]
    rounds: dict[int, dict[str, list]] = {}
    for row in rows:
        if row.get("source") == "warm-start":
            continue
        r = rounds.setdefault(row["round"], {"sequences": [], "values": []})
        r["sequences"].append(row["sequence"])
        r["values"].append(row["value"])
    return [rounds[k] for k in sorted(rounds)]


def _close(a: list, b: list, digits: int) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if (x is None) != (y is None):
            return False
        if x is not None and round(float(x), digits) != round(float(y), digits):
            return False
    return True


def verdict(ours: list[dict], theirs: list[dict], digits: int) -> str:
    exact = True
    for k, (a, b) in enumerate(zip(ours, theirs), start=1):
        if a["sequences"] != b["sequences"] or not _close(a["values"], b["values"], digits):
            return f"diverges from round {k}"
        exact &= a["values"] == b["values"]
    if len(ours) != len(theirs):
        return f"diverges from round {min(len(ours), len(theirs)) + 1}"
    return "exact" if exact else "within rounding"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write the fingerprints file")
    parser.add_argument("--file", type=Path, default=FILE)
    parser.add_argument("--proposers", help="comma-separated names (default: every installed)")
    parser.add_argument("--digits", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads per run; the recorded file is always 1 thread, so "
                             "2 here shows what a change of reduction order alone does")
    args = parser.parse_args()

    from seqzoo.errors import SeqzooError
    from seqzoo.plugins import registry

    installed = list(registry().names("proposer"))
    names = args.proposers.split(",") if args.proposers else installed
    unknown = [n for n in names if n not in installed]
    if unknown:
        print(f"reproducibility: unknown proposer {unknown[0]!r} (installed: "
              f"{', '.join(installed)})", file=sys.stderr)
        return 2
    stored = None
    if args.record and args.threads != 1:
        print("reproducibility: fingerprints are recorded at one thread", file=sys.stderr)
        return 2
    if not args.record:
        if not args.file.is_file():
            print(f"reproducibility: no fingerprints at {args.file}; run with --record first",
                  file=sys.stderr)
            return 2
        stored = json.loads(args.file.read_text())
        print(f"recorded on: {stored['machine']['cpu']}, {stored['machine']['threads']} "
              f"thread; here: {cpu_model()}, {args.threads} thread(s)")

    prints: dict[str, dict] = {}
    for name in names:
        spec = SMALL.get(name, name)
        try:
            prints[name] = {"spec": spec, "rounds": fingerprint(spec, args.threads)}
        except SeqzooError as err:
            print(f"{name}: could not run ({err})")
            continue
        if stored is not None:
            theirs = stored["proposers"].get(name)
            if theirs is None:
                print(f"{name}: not in {args.file.name}")
            elif theirs["spec"] != spec:
                print(f"{name}: recorded with {theirs['spec']!r}, not {spec!r}; re-record")
            else:
                print(f"{name}: {verdict(prints[name]['rounds'], theirs['rounds'], args.digits)}",
                      flush=True)
        else:
            print(f"{name}: recorded {len(prints[name]['rounds'])} rounds", flush=True)
    if args.record:
        if args.proposers and args.file.is_file():
            old = json.loads(args.file.read_text())
            prints = {**old.get("proposers", {}), **prints}
        data = {"machine": machine(),
                "settings": {"oracle": ORACLE, "warm_start": WARM_START,
                             "warm_start_budget": WARM_BUDGET, "batch_size": BATCH,
                             "rounds": ROUNDS, "seed": SEED},
                "proposers": dict(sorted(prints.items()))}
        args.file.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
