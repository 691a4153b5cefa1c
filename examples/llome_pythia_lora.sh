#!/usr/bin/env bash
# LLOME on a real pretrained checkpoint: a local Pythia with LoRA adapters and 8-bit Adam.
#
#   bash examples/llome_pythia_lora.sh /path/to/pythia-160m [OUT_DIR]
#
# Nothing is downloaded at run time: fetch the checkpoint beforehand, for example
#   huggingface-cli download EleutherAI/pythia-160m --local-dir /path/to/pythia-160m
# (the paper used pythia-2.8b with full fine-tuning). LoRA trains only small adapters on
# the attention projections; optimizer=adamw8bit keeps Adam's state in 8 bits through
# bitsandbytes (install seqzoo-llm[bnb]; the 8-bit optimizer runs on a CPU too, a GPU makes
# a real checkpoint practical). The
# checkpoint's own Hugging Face tokenizer reads the prompts "<inc> [4, 23, ...]\n".
# Learning rates are the paper's (SFT and MargE 1e-6 for full fine-tuning); LoRA usually
# needs larger ones, e.g. 1e-4. BUDGET and LLOME_OPTIONS (appended to the spec, starting
# with a comma) size it down, as in llome_f2_marge.sh.
set -euo pipefail
model="${1:?give the path of a local Pythia checkpoint}"
out="${2:-runs/llome-f2-pythia}"
budget="${BUDGET:-30001}"
options="${LLOME_OPTIONS:-}"

zoo run --oracle ehrlich:preset=f2 \
        --proposer "llome:preset=paper,objective=marge,model=$model,lora=true,lora_rank=16,optimizer=adamw8bit,learning_rate=1e-4,sft_learning_rate=1e-4,train_batch_size=16$options" \
        --budget "$budget" --seed 0 --out "$out"
