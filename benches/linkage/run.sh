#!/usr/bin/env bash
# Duplicate candidates (issue #13): quality against labelled sets and speed, with splink and
# recordlinkage on the same data in the same run, then candidates for 100,000 generated people
# (time and peak memory). Figures go into benches/README.md ("Duplicate candidates").
#   benches/linkage/run.sh            (PEOPLE=100000 by default; LIAISON_INTEROP_VENV: a venv
#                                      with .ci/requirements-linkage.txt, default .venv-interop)
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${LIAISON_INTEROP_VENV:-$PWD/.venv-interop}
export LIAISON_INTEROP_VENV=$VENV
PEOPLE=${PEOPLE:-100000}

echo "== Liaison on FEBRL 4 and the multi-script fixture (release build, same records)"
cargo test --release -q --test duplicates_oracle -- --nocapture 2>&1 | grep -E "fixture|FEBRL"

echo "== splink and recordlinkage on FEBRL 4"
"$VENV/bin/python" benches/linkage/compare.py 2>&1 | grep -E "^(splink|recordlinkage) "

echo "== candidates for $PEOPLE generated people"
cargo build --release -q
BIN=$PWD/target/release/liaison
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "bench pass" >"$WORK/pass"
L=("$BIN" --store "$WORK/store" --passphrase-file "$WORK/pass")
export LIAISON_KDF_LOG_N=10
"${L[@]}" init --office Bench --agency X --country FR >/dev/null
# The generator makes about 35 % people among its entities.
"${L[@]}" generate --entities $((PEOPLE * 100 / 35)) >/dev/null
"${L[@]}" --json stats | "$VENV/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print("store:", {k: v for k, v in d.items() if not isinstance(v, (dict, list))})'
measure() {
  /usr/bin/time -f "%e s elapsed, %M KiB peak RSS" "${L[@]}" "$@" 2>"$WORK/time" >"$WORK/out" || { cat "$WORK/time"; exit 1; }
  echo "liaison $*: $(tail -1 "$WORK/time")"
}
measure --json duplicates --kind Person --limit 1000000
"$VENV/bin/python" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  ", len(d["candidates"]), "candidates,", d["blocking"])' "$WORK/out"
measure --json duplicates --limit 1000000
"$VENV/bin/python" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  ", len(d["candidates"]), "candidates,", d["blocking"])' "$WORK/out"
CASE=$("${L[@]}" --json case list | "$VENV/bin/python" -c 'import json,sys; d=json.load(sys.stdin); d=d if isinstance(d, list) else d.get("cases", []); print(d[0]["reference"])')
measure xref --case "$CASE"
