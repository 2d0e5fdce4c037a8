#!/usr/bin/env bash
# Regenerate the shipped default model from nothing (CPU, about 1 h on 2 cores):
# synthetic reports at three noise levels -> dataset -> NER and table models from scratch.
# Same seeds, same configs -> same metrics (see the manifests). Install it with
#   cp -r out/ner out/table models/default/   (or `nianbao models promote`, which checks for regressions).
set -euo pipefail
BIN=${BIN:-.venv/bin}
OUT=${OUT:-data}
$BIN/nianbao synth -n 1200 --seed 104 --noise none -o "$OUT/synth_none" --workers 1
$BIN/nianbao synth -n 1200 --seed 103 --noise low -o "$OUT/synth_low" --workers 1
$BIN/nianbao synth -n 1200 --seed 107 --noise high -o "$OUT/synth_high" --workers 1
$BIN/nianbao dataset build --from "$OUT/synth_none" --from "$OUT/synth_low" --from "$OUT/synth_high" \
  --eval-only ../shared/gold -o "$OUT/ds"
$BIN/nianbao train ner --config training/configs/ner-default.json data.dataset="$OUT/ds" &
$BIN/nianbao train table --config training/configs/table-default.json data.dataset="$OUT/ds" &
wait
