#!/usr/bin/env bash
# bench/hostile.sh: the costs of hostile and unusual input (issue 13), for
# the current tree and for an earlier commit.
#
# Usage: [BEFORE=<rev>] [CASES="..."] [RUNS=3] bench/hostile.sh
#
# Cases (CASES, space-separated; default all, in this order):
#   bad512m bad1g bad2g  a log of that size whose every chunk has a wrong
#                        records checksum (genlog -damage bad-records-crc):
#                        evtxscan scan FILE
#   open1m               1,000,000 password resets that start (31001, distinct
#                        TrackingIds and UPNs) and never get a result
#                        (genlog -open 1000000): evtxscan scan FILE
#   small10k-w1 small10k-w2
#                        10,000 one-chunk logs in one directory:
#                        evtxscan scan --workers 1 (2) DIR
#
# In one run it:
#   1. builds evtxscan of the working tree and of BEFORE (default 04b9a26,
#      the state before the hostile-input work; checked out with
#      `git worktree add --detach` into the temporary directory) and genlog of
#      the working tree;
#   2. generates the inputs the chosen cases need;
#   3. runs every case with both builds RUNS times, interleaved (run 1 of
#      every case and build, then run 2, ...), under /usr/bin/time;
#   4. prints a table: best and median wall time, peak RSS (the highest of
#      the runs), exit status, and for the bad-checksum logs seconds per GiB;
#      then checks that the time per GiB of each build stays within 1.5x
#      across the sizes measured (linear).
#
# Environment: BENCH_DIR, where the big files go (default: a new directory
# under ${TMPDIR:-/tmp}; the script deletes only what it made); BEFORE, RUNS,
# CASES as above.
# Needs: go, git, /usr/bin/time (apt-get install time).
# Exit status: 0 when the linearity check passes (or was not run), 1 when it
# fails, 2 on error.
set -euo pipefail

before=${BEFORE:-04b9a26}
runs=${RUNS:-3}
cases=${CASES:-bad512m bad1g bad2g open1m small10k-w1 small10k-w2}
repo=$(cd "$(dirname "$0")/.." && pwd)

for tool in go git /usr/bin/time; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "hostile.sh: $tool is missing (/usr/bin/time: apt-get install time)" >&2
		exit 2
	fi
done
for c in $cases; do
	case $c in
	bad512m | bad1g | bad2g | open1m | small10k-w1 | small10k-w2) ;;
	*)
		echo "hostile.sh: unknown case $c" >&2
		exit 2
		;;
	esac
done

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/evtxscan-hostile.XXXXXX")
cleanup() {
	git -C "$repo" worktree remove --force "$work/before-src" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building into $work (current: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- . || echo '+changes'), before: $before)"
(cd "$repo" && go build -o "$work/after" ./cmd/evtxscan && go build -o "$work/genlog" ./internal/cmd/genlog)
git -C "$repo" worktree add --detach "$work/before-src" "$before" >/dev/null 2>&1
(cd "$work/before-src" && go build -o "$work/before" ./cmd/evtxscan)
git -C "$repo" worktree remove --force "$work/before-src"

echo "== generating inputs"
need() { [[ " $cases " == *" $1 "* ]]; }
gen() { "$work/genlog" "$@" 2>&1 | sed 's/^/   /'; }
need bad512m && gen -o "$work/bad512m.evtx" -size 512MiB -damage bad-records-crc
need bad1g && gen -o "$work/bad1g.evtx" -size 1GiB -damage bad-records-crc
need bad2g && gen -o "$work/bad2g.evtx" -size 2GiB -damage bad-records-crc
need open1m && gen -o "$work/open1m.evtx" -open 1000000
if need small10k-w1 || need small10k-w2; then
	mkdir -p "$work/small10k"
	gen -o "$work/small10k/0.evtx" -size 64KiB
	for i in $(seq 1 9999); do cp "$work/small10k/0.evtx" "$work/small10k/$i.evtx"; done
	echo "   10000 copies of a one-chunk log in $work/small10k"
fi

# command CASE BUILD prints the command line of a case.
command_of() {
	local bin=$work/$2
	case $1 in
	bad512m | bad1g | bad2g | open1m) echo "$bin scan $work/$1.evtx" ;;
	small10k-w1) echo "$bin scan --workers 1 $work/small10k" ;;
	small10k-w2) echo "$bin scan --workers 2 $work/small10k" ;;
	esac
}

echo "== timing ($runs interleaved runs of every case and build)"
results=$work/results # lines: case build run seconds rss_kb status
: >"$results"
for r in $(seq 1 "$runs"); do
	for c in $cases; do
		for b in before after; do
			set +e
			# shellcheck disable=SC2046 # the command line is split on purpose
			/usr/bin/time -f "%e %M" -o "$work/time" $(command_of "$c" "$b") >/dev/null 2>"$work/stderr"
			st=$?
			set -e
			# The last line (before it, /usr/bin/time may say "Command exited
			# with non-zero status N").
			read -r secs rss < <(tail -1 "$work/time")
			echo "$c $b $r $secs $rss $st" >>"$results"
			printf '   run %d %-12s %-6s %7ss %6d MB  exit %d\n' "$r" "$c" "$b" "$secs" $((rss / 1024)) "$st"
		done
	done
done

echo
echo "== results (exact commands: $work/{before,after} as above; BEFORE=$before)"
awk -v cases="$cases" '
function gib(c) { return c == "bad512m" ? 0.5 : c == "bad1g" ? 1 : c == "bad2g" ? 2 : 0 }
{ key = $1 " " $2; n[key]++; t[key, n[key]] = $4; if ($5 > rss[key]) rss[key] = $5; st[key] = st[key] (st[key] == "" ? "" : ",") $6 }
END {
	printf "%-12s %-7s %9s %9s %9s %8s  %s\n", "case", "build", "best s", "median s", "peak MB", "s/GiB", "exit"
	split(cases, cs, " ")
	bad = 0
	for (i = 1; i in cs; i++) for (bi = 1; bi <= 2; bi++) {
		b = bi == 1 ? "before" : "after"; key = cs[i] " " b; m = n[key]
		for (j = 1; j <= m; j++) v[j] = t[key, j] + 0
		for (j = 2; j <= m; j++) { x = v[j]; k = j - 1; while (k >= 1 && v[k] > x) { v[k + 1] = v[k]; k-- } v[k + 1] = x }
		med = m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
		per = "-"
		if (gib(cs[i]) > 0) { p = med / gib(cs[i]); per = sprintf("%.2f", p); if (!(b in lo) || p < lo[b]) lo[b] = p; if (!(b in hi) || p > hi[b]) hi[b] = p; cnt[b]++ }
		printf "%-12s %-7s %9.2f %9.2f %9d %8s  %s\n", cs[i], b, v[1], med, rss[key] / 1024, per, st[key]
	}
	for (bi = 1; bi <= 2; bi++) {
		b = bi == 1 ? "before" : "after"
		if (cnt[b] < 2) continue
		ok = hi[b] <= 1.5 * lo[b]
		printf "linearity %-6s: median s/GiB from %.2f to %.2f (x%.2f): %s\n", b, lo[b], hi[b], hi[b] / lo[b], ok ? "linear" : "NOT linear"
		if (b == "after" && !ok) bad = 1
	}
	exit bad
}' "$results"
