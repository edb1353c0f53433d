#!/bin/sh
# Runs each libFuzzer target for a while over its seed corpus; `make fuzz`
# calls it. New inputs go to a scratch corpus in the build tree (the seeds
# in the source tree are only read), crashes to artifacts/. Exits 1 when any
# target found a crash, a leak or a hang.
#
# usage: run-fuzzers.sh SECONDS SEED_DIR TARGET...  (targets in the current directory)
set -u

seconds=$1
seeds=$2
shift 2

mkdir -p corpus-work artifacts logs
failed=
for name in "$@"; do
	mkdir -p "corpus-work/$name"
	printf '%-20s ' "$name"
	if "./$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="artifacts/$name-" \
		"corpus-work/$name" "$seeds/$name" >"logs/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$name.log")
		echo "ok (${runs:-?} runs)"
	else
		echo "FAILED: see logs/$name.log and artifacts/$name-*"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed)' "logs/$name.log" | head -n 5
		failed="$failed $name"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: crashes in:$failed" >&2
	exit 1
fi
exit 0
