#!/usr/bin/env bash
# Runs the libFuzzer harnesses built under build-fuzz/ (`make fuzz`, `make fuzz-replay`).
#   fuzz.sh replay H...        replays each harness's kept inputs, test/fuzz-regressions/H/*
#   fuzz.sh run SECONDS H...   replays them, then fuzzes each harness for SECONDS from seeds made
#                              from the fixtures (scripts/fuzz-seeds.mjs); a crash's input is
#                              written to test/fuzz-regressions/H/ to be committed as a regression case
# Exits non-zero if any harness failed; every harness runs even after a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build-fuzz
mode=${1:?usage: fuzz.sh replay|run [SECONDS] HARNESS...}
shift
seconds=0
if [ "$mode" = run ]; then
  seconds=${1:?usage: fuzz.sh run SECONDS HARNESS...}
  shift
fi
# Past 2 GiB a single input is a bug (an allocation sized from the input), not a slow case.
limits=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10)
failed=()

replay() {
  local h=$1 dir=test/fuzz-regressions/$1
  local cases=()
  [ -d "$dir" ] && mapfile -t cases < <(find "$dir" -type f ! -name '.*' | sort)
  ((${#cases[@]})) || return 0
  if "$out/$h" "${limits[@]}" "${cases[@]}" >"$out/logs/$h.replay.log" 2>&1; then
    echo "fuzz: $h: ${#cases[@]} regression case(s) pass"
  else
    echo "fuzz: $h: a regression case fails (log: $out/logs/$h.replay.log)" >&2
    grep -E 'ERROR|SUMMARY|Running:' "$out/logs/$h.replay.log" | tail -5 >&2 || true
    return 1
  fi
}

fuzz() {
  local h=$1 corpus=$out/corpus/$1 seeds=$out/seeds/$1 kept=test/fuzz-regressions/$1
  mkdir -p "$corpus" "$seeds" "$kept"
  # New interesting inputs go to the first directory (the corpus, kept between runs); crash
  # inputs to the regression directory.
  if "$out/$h" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$kept/" \
    "$corpus" "$seeds" >"$out/logs/$h.log" 2>&1; then
    echo "fuzz: $h: $(grep -E '^stat::number_of_executed_units' "$out/logs/$h.log" | awk '{print $2}') runs in ${seconds}s, no failure"
  else
    echo "fuzz: $h FAILED (log: $out/logs/$h.log); input kept under $kept/:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$out/logs/$h.log" | tail -5 >&2 || true
    return 1
  fi
}

mkdir -p "$out/logs"
if [ "$mode" = run ]; then
  rm -rf "$out/seeds"
  node scripts/fuzz-seeds.mjs "$out/seeds"
fi
for h in "$@"; do
  replay "$h" || failed+=("$h")
  if [ "$mode" = run ]; then fuzz "$h" || failed+=("$h"); fi
done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
