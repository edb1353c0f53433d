#!/bin/sh
# Runs each libFuzzer target for a while over its seed corpus; `make fuzz`
# calls it. New inputs go to a scratch corpus in the build tree (the seeds
# in the source tree are only read), crashes to artifacts/. Exits 1 when any
# target found a crash, a leak or a hang.
#
# usage: run-fuzzers.sh [-j JOBS] SECONDS SEED_DIR TARGET...
#   (targets in the current directory). With -j, JOBS targets run at once
#   (each on one core), so that CI with 2 cores affords twice the time per
#   target. The last line sums up: targets, failures, executions.
set -u

jobs=1
if [ "${1:-}" = "-j" ]; then
	jobs=${2:-}
	shift 2
fi
case $jobs in
	'' | *[!0-9]* | 0) echo "run-fuzzers.sh: -j needs a positive number" >&2; exit 2 ;;
esac
if [ $# -lt 3 ]; then
	echo "usage: run-fuzzers.sh [-j JOBS] SECONDS SEED_DIR TARGET..." >&2
	exit 2
fi
seconds=$1
seeds=$2
shift 2

mkdir -p corpus-work artifacts logs

# One target; its verdict goes to logs/NAME.result ("ok RUNS" or "failed").
run_one() {
	name=$1
	mkdir -p "corpus-work/$name"
	rm -f "logs/$name.result"
	if "./$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="artifacts/$name-" \
		"corpus-work/$name" "$seeds/$name" >"logs/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$name.log")
		rate=$(sed -n 's/.*DONE .* exec\/s: \([0-9]*\).*/\1/p' "logs/$name.log")
		echo "ok ${runs:-0}" >"logs/$name.result"
		printf '%-22s ok (%s runs, %s/s)\n' "$name" "${runs:-?}" "${rate:-?}"
	else
		echo failed >"logs/$name.result"
		{
			printf '%-22s FAILED: see logs/%s.log and artifacts/%s-*\n' "$name" "$name" "$name"
			grep -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed)' "logs/$name.log" | head -n 5
		} | cat   # as one block, not cut into by the other lanes
	fi
}

# Target i goes to lane i mod jobs; each lane runs its targets in turn.
start=$(date +%s)
lane=0
while [ "$lane" -lt "$jobs" ]; do
	(
		i=0
		for name in "$@"; do
			[ $((i % jobs)) -eq "$lane" ] && run_one "$name"
			i=$((i + 1))
		done
	) &
	lane=$((lane + 1))
done
wait

failed=
total=0
for name in "$@"; do
	read -r verdict runs 2>/dev/null <"logs/$name.result" || verdict=failed
	if [ "$verdict" = ok ]; then
		total=$((total + ${runs:-0}))
	else
		failed="$failed $name"
	fi
done
nfailed=$(echo $failed | wc -w)
echo "fuzz: $# targets, $nfailed failed, $total executions in" \
	"$(($(date +%s) - start)) s (-j $jobs, $seconds s each)${failed:+; crashes in:$failed}"
[ -z "$failed" ]
