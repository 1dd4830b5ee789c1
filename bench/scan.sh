#!/usr/bin/env bash
# bench/scan.sh: how fast evtxscan reads a large Entra Connect Application
# log, and with how much memory, against libyal's evtxexport and golang-evtx
# (issue 7).
#
# Usage: bench/scan.sh [SIZE]
#   SIZE  size of the generated log: 256MiB (the default), 1GiB, ...
#
# In one run it:
#   1. builds evtxscan and internal/cmd/goevtxbench (golang-evtx's FastEvents)
#      into a temporary directory;
#   2. generates a log of SIZE with the Entra mix and a zip holding it
#      (go run ./internal/cmd/genlog -size SIZE -mix entra -zip);
#   3. times each of these with /usr/bin/time (elapsed time, peak RSS):
#        evtxscan scan FILE, or evtxscan dump FILE > /dev/null when there is no
#          scan command, with --workers 1 and --workers 2 (best of RUNS);
#        evtxscan dump FILE > /dev/null (the writeback-filtered NDJSON path);
#        evtxexport -f xml FILE > /dev/null (libyal);
#        goevtxbench FILE (golang-evtx, Open + FastEvents);
#        evtxscan on the zip, and unzip -p ZIP > /dev/null;
#   4. runs the decoder benchmark, go test ./parser -bench Read, with 1 and
#      2 workers (RUNS separate processes, best of them), where the 2-worker target is judged: the
#      end-to-end commands also spend time after the decoder (correlating,
#      writing JSON) that more decoders do not shorten; and, for
#      information, go test ./cmd/evtxscan -bench Analyze (reading and
#      correlating, what scan does before printing) with 1 and 2 workers;
#   5. prints a table, checks the targets and deletes the files it made.
#
# Targets: evtxscan at least 10x faster than evtxexport and than FastEvents;
# 2 decoder workers at least 1.7x one; peak RSS under 150 MB (judged when
# SIZE is 1 GiB or more); the zip read within 1.5x of unzip -p plus the bare
# read.
#
# Environment: BENCH_DIR, where the big files go (default: a new directory
# under ${TMPDIR:-/tmp}; the script only deletes what it made); RUNS, how many
# times the fast commands are run (default 3; the best run counts).
# Needs: go, evtxexport (apt-get install libevtx-utils), unzip, /usr/bin/time
# (apt-get install time).
# Exit status: 0 when every target is met, 1 when one is missed, 2 on error.
set -euo pipefail

size=${1:-256MiB}
runs=${RUNS:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)

for tool in go evtxexport unzip /usr/bin/time; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "scan.sh: $tool is missing (evtxexport: apt-get install libevtx-utils; /usr/bin/time: apt-get install time)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/evtxscan-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
log=$work/entra.evtx
zip=$log.zip

echo "== building into $work"
(cd "$repo" && go build -o "$work/evtxscan" ./cmd/evtxscan && go build -o "$work/goevtxbench" ./internal/cmd/goevtxbench)

echo "== generating $size with the Entra mix"
(cd "$repo" && go run ./internal/cmd/genlog -o "$log" -size "$size" -seed 1 -mix entra -zip)
bytes=$(stat -c %s "$log")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }')

cmd=dump
if "$work/evtxscan" scan --help >/dev/null 2>&1; then
	cmd=scan
fi

# measure NAME RUNS COMMAND...: runs COMMAND (its output thrown away) RUNS
# times and records the best elapsed time and the peak RSS of that run in
# $secs[NAME] and $rss[NAME] (kB).
declare -A secs rss
measure() {
	local name=$1 n=$2
	shift 2
	local best="" bestrss="" i out status
	for ((i = 0; i < n; i++)); do
		out=$work/time.txt
		status=0
		/usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$work/stderr.txt" || status=$?
		# evtxscan exits 3 for damaged input; the generated log is clean.
		if [[ $status -ne 0 ]]; then
			echo "scan.sh: $name failed (exit $status):" >&2
			tail -5 "$work/stderr.txt" >&2
			exit 2
		fi
		local e m
		read -r e m <"$out"
		if [[ -z $best ]] || awk -v a="$e" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$e
			bestrss=$m
		fi
	done
	secs[$name]=$best
	rss[$name]=$bestrss
	printf '   %-28s %8.2f s  %8.0f MB/s  peak RSS %6.1f MB\n' "$name" "$best" \
		"$(awk -v b="$bytes" -v s="$best" 'BEGIN { print (s > 0 ? b / 1e6 / s : 0) }')" \
		"$(awk -v k="$bestrss" 'BEGIN { print k / 1024 }')"
}

echo "== timing ($mb MB, evtxscan $cmd, best of $runs)"
measure "evtxscan $cmd --workers 2" "$runs" "$work/evtxscan" "$cmd" --workers 2 "$log"
measure "evtxscan $cmd --workers 1" "$runs" "$work/evtxscan" "$cmd" --workers 1 "$log"
if [[ $cmd != dump ]]; then
	measure "evtxscan dump" "$runs" "$work/evtxscan" dump "$log"
fi
measure "evtxscan $cmd ZIP" "$runs" "$work/evtxscan" "$cmd" "$zip"
measure "unzip -p ZIP" "$runs" unzip -p "$zip"
measure "evtxexport -f xml" 1 evtxexport -f xml "$log"
measure "golang-evtx FastEvents" 1 "$work/goevtxbench" "$log"

echo "== decoder benchmark (go test ./parser -bench Read, best of $runs)"
bench=$work/bench.txt
# The runs are separate processes, one after the other, each timing 1 and 2
# workers: on a shared machine a slow spell then spoils one run, not all.
(cd "$repo" && go test -c -o "$work/parser.test" ./parser && go test -c -o "$work/evtxscan.test" ./cmd/evtxscan)
: >"$bench"
for ((i = 0; i < runs; i++)); do
	(cd "$repo/parser" && EVTXSCAN_BENCH_FILE=$log "$work/parser.test" -test.run '^$' -test.bench 'Read/(all|writeback-needdata)/' -test.benchtime 2x) >>"$bench"
done
declare -A ns
while read -r name val; do
	ns[$name]=$val
done < <(awk '/^BenchmarkRead/ { n = $1; sub(/-[0-9]+$/, "", n); if (!(n in m) || $3 < m[n]) m[n] = $3 } END { for (n in m) print n, m[n] }' "$bench")
for name in $(printf '%s\n' "${!ns[@]}" | sort); do
	printf '   %-50s %8.1f ms  %8.0f MB/s\n' "$name" "$(awk -v v="${ns[$name]}" 'BEGIN { print v / 1e6 }')" \
		"$(awk -v b="$bytes" -v v="${ns[$name]}" 'BEGIN { print b / v * 1e3 }')"
done
awk '/^BenchmarkRead\/writeback-needdata/ { n = $1; sub(/-[0-9]+$/, "", n); v[n] = v[n] sprintf(" %.0f", $3 / 1e6) }
	END { for (n in v) printf "   %-50s every run (ms):%s\n", n, v[n] }' "$bench" | sort
for ((i = 0; i < runs; i++)); do
	(cd "$repo/cmd/evtxscan" && EVTXSCAN_BENCH_FILE=$log "$work/evtxscan.test" -test.run '^$' -test.bench 'Analyze' -test.benchtime 2x) >>"$bench"
done
while read -r name val; do
	ns[$name]=$val
done < <(awk '/^BenchmarkAnalyze/ { n = $1; sub(/-[0-9]+$/, "", n); if (!(n in m) || $3 < m[n]) m[n] = $3 } END { for (n in m) print n, m[n] }' "$bench")
for name in BenchmarkAnalyze/workers=1 BenchmarkAnalyze/workers=2; do
	printf '   %-50s %8.1f ms  %8.0f MB/s\n' "$name" "$(awk -v v="${ns[$name]}" 'BEGIN { print v / 1e6 }')" \
		"$(awk -v b="$bytes" -v v="${ns[$name]}" 'BEGIN { print b / v * 1e3 }')"
done
grep -E '^BenchmarkRead.*allocs/op' "$bench" | awk '{ for (i = 1; i <= NF; i++) if ($i == "allocs/op") a[$1] = $(i - 1); } END { for (n in a) printf "   %-50s %s allocs/op\n", n, a[n] }' | sort

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
fail=0
check() { # check DESCRIPTION OK VALUE
	local mark=ok
	if [[ $2 != 1 ]]; then
		mark=MISSED
		fail=1
	fi
	printf '   %-60s %-10s %s\n' "$1" "$3" "$mark"
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo 1 || echo 0; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo 1 || echo 0; }

scan2=${secs["evtxscan $cmd --workers 2"]}
scan1=${secs["evtxscan $cmd --workers 1"]}
vs_libyal=$(ratio "${secs["evtxexport -f xml"]}" "$scan2")
vs_golang=$(ratio "${secs["golang-evtx FastEvents"]}" "$scan2")
dec_full=$(ratio "${ns[BenchmarkRead/all/workers=1]}" "${ns[BenchmarkRead/all/workers=2]}")
dec_need=$(ratio "${ns[BenchmarkRead/writeback-needdata/workers=1]}" "${ns[BenchmarkRead/writeback-needdata/workers=2]}")
e2e=$(ratio "$scan1" "$scan2")
analyze=$(ratio "${ns[BenchmarkAnalyze/workers=1]}" "${ns[BenchmarkAnalyze/workers=2]}")
peak=$(awk -v k="${rss["evtxscan $cmd --workers 2"]}" 'BEGIN { printf "%.1f", k / 1024 }')
zipx=$(awk -v z="${secs["evtxscan $cmd ZIP"]}" -v u="${secs["unzip -p ZIP"]}" -v s="$scan2" 'BEGIN { printf "%.2f", z / (u + s) }')

echo "== targets ($mb MB log)"
check "evtxscan $cmd vs evtxexport -f xml (>= 10x)" "$(ge "$vs_libyal" 10)" "${vs_libyal}x"
check "evtxscan $cmd vs golang-evtx FastEvents (>= 10x)" "$(ge "$vs_golang" 10)" "${vs_golang}x"
check "decoder, data of the needed events: 2 workers vs 1 (>= 1.7x)" "$(ge "$dec_need" 1.7)" "${dec_need}x"
printf '   %-60s %-10s %s\n' "decoder, every data string: 2 workers vs 1" "${dec_full}x" "(for information)"
printf '   %-60s %-10s %s\n' "reading and correlating (BenchmarkAnalyze): 2 workers vs 1" "${analyze}x" "(for information)"
printf '   %-60s %-10s %s\n' "evtxscan $cmd end to end: 2 workers vs 1" "${e2e}x" "(for information)"
if [[ $bytes -ge 1000000000 ]]; then
	check "peak RSS of evtxscan $cmd (< 150 MB)" "$(awk -v p="$peak" 'BEGIN { print (p < 150) ? 1 : 0 }')" "$peak MB"
else
	printf '   %-60s %-10s %s\n' "peak RSS of evtxscan $cmd (< 150 MB on 1 GB)" "$peak MB" "(judged with SIZE 1GiB)"
fi
check "zip vs unzip -p + bare read (<= 1.5x)" "$(le "$zipx" 1.5)" "${zipx}x"
exit $fail
