#!/usr/bin/env bash
# Benchmark of the data-lake batch mode (evtxscan scan --format parquet):
# N generated tenant zips (default 500, each holding one Application log
# of SIZE, default 1MiB), written once with --jobs 1 and once with --jobs 2.
# Prints tenants per second, records per second and the peak RSS that
# /usr/bin/time -v reports.
#
#   bench/lake.sh                    # 500 tenants of 1MiB
#   N=50 SIZE=8MiB WORKERS=2 bench/lake.sh
#
# Everything goes to bench/out/lake/ (ignored by git); the generated tenants
# are kept there and reused while N and SIZE stay the same.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-500}
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

for jobs in $JOBS; do
  lake="$OUT/lake-jobs$jobs"
  rm -rf "$lake"
  log="$OUT/time-jobs$jobs.txt"
  /usr/bin/time -v "$OUT/evtxscan" scan --format parquet --progress never \
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
  awk -v jobs="$jobs" -v workers="$WORKERS" -v n="$N" -v s="$secs" -v r="$records" -v rss="$rss" -v lake="$(du -sh "$lake" | cut -f1)" \
    'BEGIN { printf "jobs=%s workers=%s: %d tenants in %.2f s = %.1f tenants/s, %.0f records/s; peak RSS %.1f MiB; lake %s\n", jobs, workers, n, s, n / s, r / s, rss / 1024, lake }'
  grep '^evtxscan scan: ' "$log" | tail -1
done
