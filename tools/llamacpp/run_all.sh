#!/bin/bash
# Runs the measurement for each dtype in its own process, each holding the
# shared benchmark lock so nothing else runs on the 2 cores meanwhile.
set -e
cd /work/llama-cmp
R=${1:-results}
mkdir -p $R
for t in bf16 f16 f32; do
  flock /tmp/prefkit-build.lock ./venv/bin/python measure.py \
      --model gguf/qwen05b-$t.gguf --label $t --out $R/$t.json \
      --threads 2 --warmup 1 --runs 3 2>&1 | tee $R/$t.log
done
./venv/bin/python make_results.py $R > $R/summary.md
# combined table over passes: ./venv/bin/python make_results.py results/pass1 results/pass2 results/pass3 > results.md
