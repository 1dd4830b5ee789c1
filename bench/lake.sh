#!/usr/bin/env bash
# Benchmark of the data-lake batch mode (evtxscan scan --format parquet):
# N generated tenant zips (default 200, each holding one Application log
# of SIZE, default 1MiB), written with --jobs 1 and --jobs 2 (JOBS).
# Prints tenants per second, records per second, Parquet files per tenant,
# the lake's size and the peak RSS that /usr/bin/time -v reports.
#
#   bench/lake.sh                      # 200 tenants of 1MiB, this tree
#   BEFORE=04b9a26 bench/lake.sh       # the same for an older revision, then this tree
#   N=50 SIZE=8MiB WORKERS=2 JOBS=2 bench/lake.sh
#
# Everything goes to bench/out/lake/ (ignored by git); the generated tenants
# are kept there and reused while N and SIZE stay the same. BEFORE is built
# from `git archive` of that revision into bench/out/lake/src-<rev>.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-200}
SIZE=${SIZE:-1MiB}
WORKERS=${WORKERS:-1}
JOBS=${JOBS:-"1 2"}
OUT=bench/out/lake

if [ ! -x /usr/bin/time ]; then
  echo "bench/lake.sh needs GNU time (/usr/bin/time): apt-get install time" >&2
  exit 1
fi
mkdir -p "$OUT"
go build -o "$OUT/evtxscan" ./cmd/evtxscan
go build -o "$OUT/genlog" ./internal/cmd/genlog
bins="this=$OUT/evtxscan"
if [ -n "${BEFORE:-}" ]; then
  src="$OUT/src-$BEFORE"
  if [ ! -x "$src/evtxscan" ]; then
    rm -rf "$src"
    mkdir -p "$src"
    git archive "$BEFORE" | tar -x -C "$src"
    (cd "$src" && go build -o evtxscan ./cmd/evtxscan)
  fi
  bins="$BEFORE=$src/evtxscan $bins"
fi

tenants="$OUT/tenants-$N-$SIZE"
if [ ! -f "$tenants/.done" ]; then
  rm -rf "$tenants"
  mkdir -p "$tenants"
  echo "generating $N tenant zips of $SIZE in $tenants"
  for i in $(seq -w 1 "$N"); do
    "$OUT/genlog" -o "$tenants/tenant-$i.evtx" -size "$SIZE" -seed "$((10#$i))" -zip 2>/dev/null
    mv "$tenants/tenant-$i.evtx.zip" "$tenants/tenant-$i.zip"
    rm "$tenants/tenant-$i.evtx"
  done
  touch "$tenants/.done"
fi
echo "input: $N zips, $(du -sh --exclude=.done "$tenants" | cut -f1) compressed, $SIZE of EVTX each; $(nproc) cores; $(go version | cut -d' ' -f3)"

for b in $bins; do
  name=${b%%=*}
  bin=${b#*=}
  for jobs in $JOBS; do
    lake="$OUT/lake-$name-jobs$jobs"
    rm -rf "$lake"
    log="$OUT/time-$name-jobs$jobs.txt"
    /usr/bin/time -v "$bin" scan --format parquet --progress never \
      --out "$lake" --jobs "$jobs" --workers "$WORKERS" "$tenants" 2>"$log" || {
      status=$?
      if [ "$status" -ne 3 ]; then
        cat "$log" >&2
        exit "$status"
      fi
    }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    records=$(grep -o '[0-9]* records' "$log" | head -1 | cut -d' ' -f1)
    files=$(find "$lake" -name '*.parquet' | wc -l)
    tables=$(find "$lake" -mindepth 1 -maxdepth 1 -type d ! -name '_*' | wc -l)
    awk -v name="$name" -v jobs="$jobs" -v workers="$WORKERS" -v n="$N" -v s="$secs" -v r="$records" -v rss="$rss" \
      -v files="$files" -v tables="$tables" -v lake="$(du -sh "$lake" | cut -f1)" \
      'BEGIN { printf "%s jobs=%s workers=%s: %d tenants in %.2f s = %.1f tenants/s, %.0f records/s; %.2f Parquet files per tenant (%d tables); peak RSS %.1f MiB; lake %s\n", name, jobs, workers, n, s, n / s, r / s, files / n, tables, rss / 1024, lake }'
    grep '^evtxscan scan: ' "$log" | tail -1
  done
done
