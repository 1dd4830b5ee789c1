#!/usr/bin/env bash
# bench/parser.sh: the parser against golang-evtx's own FastEvents (issue 2).
#
# Usage: bench/parser.sh [SIZE]      SIZE of the generated logs (default 256MiB)
#
# In one run, on the largest public sample (../shared/evtx-samples) and on
# two generated logs of SIZE — the Entra Connect mix (97% writeback sources)
# and a member-server mix (3% writeback sources) — it times with
# /usr/bin/time (elapsed, peak RSS):
#   evtxscan dump --all --workers 2     full decode of every record (NDJSON out)
#   evtxscan dump --all --workers 1
#   evtxscan dump --workers 2           the default writeback filter
#   goevtxbench                         golang-evtx: Open + FastEvents
# then peak RSS of `evtxscan dump --all` on a 1 GiB Entra log; and the
# decoder benchmarks (go test ./parser -bench Read) on the member log.
#
# Targets: full decode with 2 workers >= 2x FastEvents; the writeback filter
# on the member log (< 5% writeback) >= 10x FastEvents; peak RSS < 150 MB on
# the 1 GiB log.
# Needs: go, /usr/bin/time (apt-get install time). Files go to BENCH_DIR
# (default: a new directory under ${TMPDIR:-/tmp}), deleted at the end.
# Exit status: 0 when every target is met, 1 when one is missed, 2 on error.
set -euo pipefail
size=${1:-256MiB}
repo=$(cd "$(dirname "$0")/.." && pwd)
[[ -x /usr/bin/time ]] || { echo "parser.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/evtxscan-parser-bench.XXXXXX")}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

(cd "$repo" && go build -o "$work/evtxscan" ./cmd/evtxscan && go build -o "$work/goevtxbench" ./internal/cmd/goevtxbench && go build -o "$work/genlog" ./internal/cmd/genlog)
sample=$(ls -S "$repo"/../shared/evtx-samples/*/*.evtx 2>/dev/null | head -1 || true)
"$work/genlog" -o "$work/entra.evtx" -size "$size" -seed 1 -mix entra >/dev/null
"$work/genlog" -o "$work/member.evtx" -size "$size" -seed 1 -mix member -writeback 0.005 >/dev/null

# run LABEL CMD...: prints "seconds peakKB"
run() {
	# evtxscan exits 3 on a damaged sample: the figures still count.
	/usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>/dev/null || true
	tail -1 "$work/time"
}
fail=0
printf '%-14s %-34s %9s %9s %9s\n' file command seconds MB/s "peak MB"
for f in ${sample:+"$sample"} "$work/entra.evtx" "$work/member.evtx"; do
	mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1048576 }')
	name=$(basename "$f"); name=${name:0:14}
	declare -A sec=()
	for c in "dump --all --workers 2" "dump --all --workers 1" "dump --workers 2" "FastEvents"; do
		if [[ $c == FastEvents ]]; then
			read -r s k < <(run "$work/goevtxbench" -dirty "$f")
		else
			# shellcheck disable=SC2086
			read -r s k < <(run "$work/evtxscan" $c "$f")
		fi
		sec[$c]=$s
		printf '%-14s %-34s %9s %9s %9s\n' "$name" "$c" "$s" "$(awk -v m="$mb" -v s="$s" 'BEGIN { printf "%.0f", (s > 0 ? m / s : 0) }')" "$(awk -v k="$k" 'BEGIN { printf "%.0f", k / 1024 }')"
	done
	full=$(awk -v a="${sec[FastEvents]}" -v b="${sec[dump --all --workers 2]}" 'BEGIN { printf "%.1f", a / b }')
	filt=$(awk -v a="${sec[FastEvents]}" -v b="${sec[dump --workers 2]}" 'BEGIN { printf "%.1f", a / b }')
	echo "   full decode, 2 workers: ${full}x FastEvents (target 2x); writeback filter: ${filt}x"
	if [[ $f == "$work/entra.evtx" ]] && awk -v x="$full" 'BEGIN { exit !(x < 2) }'; then fail=1; fi
	if [[ $f == "$work/member.evtx" ]]; then
		awk -v x="$full" 'BEGIN { exit !(x < 2) }' && fail=1
		awk -v x="$filt" 'BEGIN { exit !(x < 10) }' && { echo "   MISSED: filter < 10x on the member log"; fail=1; }
	fi
	unset sec
done
rm -f "$work/entra.evtx" "$work/member.evtx"
"$work/genlog" -o "$work/big.evtx" -size 1GiB -seed 1 -mix entra >/dev/null
read -r s k < <(run "$work/evtxscan" dump --all --workers 2 "$work/big.evtx")
peak=$(awk -v k="$k" 'BEGIN { printf "%.0f", k / 1024 }')
echo "1 GiB Entra log: evtxscan dump --all --workers 2: ${s} s, peak RSS ${peak} MB (target < 150 MB)"
(( peak < 150 )) || fail=1
read -r s k < <(run "$work/evtxscan" scan --workers 2 "$work/big.evtx")
echo "1 GiB Entra log: evtxscan scan --workers 2: ${s} s, peak RSS $(awk -v k="$k" 'BEGIN { printf "%.0f", k / 1024 }') MB"
rm -f "$work/big.evtx"
"$work/genlog" -o "$work/member.evtx" -size "$size" -seed 1 -mix member -writeback 0.005 >/dev/null
echo "== go test ./parser -bench Read (member log)"
(cd "$repo" && EVTXSCAN_BENCH_FILE="$work/member.evtx" go test ./parser -run '^$' -bench 'Read/|GolangEvtxFastEvents' -benchtime 1x | grep -E '^Benchmark')
exit $fail
