#!/usr/bin/env bash
# LLOME with MargE on the paper's f2 Ehrlich function, with the tiny model on a CPU.
#
#   bash examples/llome_f2_marge.sh [OUT_DIR]
#
# Budget: the initial solution + the GA warm start (10,000) + 10 rounds of 2,000 labels.
# preset=cpu keeps the paper's loop and budget but edits fewer seeds per round, so the
# whole run takes minutes; preset=paper is the paper's full setting (hours on a CPU).
# Every round prints one diagnostics line and appends it to OUT/llome_rounds.jsonl; the
# model of each completed round is saved under OUT/llome/round_XX/.
#
# BUDGET and LLOME_OPTIONS (appended to the spec, starting with a comma) size it down; the
# test runs it in a minute or two with
#   BUDGET=501 LLOME_OPTIONS=,rounds=2,labels_per_round=100,seed_evaluations=300,...
set -euo pipefail
out="${1:-runs/llome-f2-marge}"
budget="${BUDGET:-30001}"
options="${LLOME_OPTIONS:-}"

zoo run --oracle ehrlich:preset=f2 \
        --proposer "llome:preset=cpu,objective=marge$options" \
        --budget "$budget" --seed 0 --out "$out"

# Killed part way (Ctrl-C, a crash)? This continues from the last completed round without
# spending any evaluation twice:
#   zoo run --resume "$out"

# The per-round diagnostics, one JSON object per round:
python - "$out" <<'PY'
import json, sys
for line in open(f"{sys.argv[1]}/llome_rounds.jsonl"):
    r = json.loads(line)
    print(f"round {r['round']} {r['objective']:>6}  feasible {r['feasible']:.2f}  "
          f"improved {r['improved']:.2f}  edit {r['edit_distance']:.3f}  "
          f"best {r['best_value']:.3f}  accepted {r['accepted']}")
PY
