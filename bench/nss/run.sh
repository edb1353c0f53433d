#!/bin/bash
# bench/nss/run.sh: user and group lookups through glibc with nss_iam,
# nss_files and libnss-cache on the same synthetic directory, at 1,000,
# 100,000 and 1,000,000 users; cache sizes; cache-build times. Prints
# Markdown tables for bench/RESULTS.md ("NSS lookups").
#
#   bench/nss/run.sh [--build DIR] [--sizes "1000 100000 1000000"]
#                    [--iters N] [--budget SECONDS] [--dir DIR] [--keep]
#                    [--tools DIR] [--services "iam files cache iam-only iam-big"]
#
# --build   the build tree holding nss_iam/.libs/libnss_iam.so.2 and
#           iamd/iamd (default: ../../build next to this script if it has
#           them, else the source tree itself)
# --sizes   user counts (default "1000 100000 1000000"); groups are N/10
# --iters   timed calls per call type and hit/miss (default 20000) ...
# --budget  ... or fewer when these seconds have passed (default 5; at
#           least 20 calls are always timed). nss_files at 100,000 and
#           1,000,000 users and libnss-cache's getgrouplist stop on the
#           budget: the n columns show how many calls were timed.
# --dir     where the working directory goes (default /var/tmp, a disk)
# --keep    keep the working directory (data, caches, raw results)
# --tools   a directory with nsslat and gendata already built (as
#           "make -C build/bench nss-bench" does); else they are compiled
#           here with ${CC:-cc} -O2
# --services  which of the set-ups below to measure (default: all five)
#
# Needs root (unshare -m, mount), glibc, python3, and the Debian package
# libnss-cache (apt-get install libnss-cache). The host's files are never
# changed: every lookup runs in a private mount namespace with a read-only
# overlay on /etc that carries that run's nsswitch.conf, ld.so.cache (made
# with ldconfig -X -C, listing the module's directory), /etc/iam/iam.conf
# and, for nss_files and libnss-cache, the generated files.
#
# The services, each on the same generated data (gendata, fixed seed):
#   iam         "passwd: files iam", the host's own small /etc/passwd and
#               /etc/group (the production set-up: files first)
#   files       "passwd: files", /etc/passwd and /etc/group = the host's
#               lines followed by the generated ones
#   cache       "passwd: files cache" (libnss-cache 0.18): /etc/passwd.cache,
#               /etc/group.cache and the .ixname/.ixuid/.ixgid indexes that
#               nsscache would write (bench/nss/nsscache_index.py)
#   iam-only    "passwd: iam", small host files: the module alone
#   iam-big     "passwd: iam" with the big generated /etc/passwd and
#               /etc/group in place (as for files): the cost of the module's
#               local-name check when the local files are big. Every
#               directory name is then also a local name, so the correct
#               answer to every lookup is "not found".
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=""
sizes="1000 100000 1000000"
iters=20000
budget=5
basedir=${TMPDIR_BENCH:-/var/tmp}
keep=0
tools=""
services="iam files cache iam-only iam-big"
id_min=1000000
id_max=4999999

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--iters) iters=$2; shift 2 ;;
	--budget) budget=$2; shift 2 ;;
	--dir) basedir=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--tools) tools=$2; shift 2 ;;
	--services) services=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done

if [ -z "$build" ]; then
	if [ -x "$src/build/iamd/iamd" ]; then build=$src/build; else build=$src; fi
fi
build=$(cd "$build" && pwd) || die "no build tree $build"
module=$build/nss_iam/.libs/libnss_iam.so.2
iamd=$build/iamd/iamd
[ -f "$module" ] || die "$module is missing; build first (make -C $build)"
[ -x "$iamd" ] || die "$iamd is missing; build first (make -C $build)"
[ "$(id -u)" = 0 ] || die "needs root (unshare -m and mount for the private /etc)"
command -v unshare >/dev/null || die "unshare is missing (util-linux)"
command -v python3 >/dev/null || die "python3 is missing"
ldconfig -p | grep -q 'libnss_cache\.so\.2' ||
	die "libnss-cache is not installed (apt-get install -y libnss-cache)"

W=$(mktemp -d "$basedir/iam-nss-bench.XXXXXX") || die "cannot make a directory in $basedir"
chmod 0755 "$W"
cleanup() { if [ "$keep" = 1 ]; then note "kept $W"; else rm -rf "$W"; fi; }
trap cleanup EXIT
RAW=$W/results.txt
: >"$RAW"

# Tools.
if [ -n "$tools" ]; then
	nsslat=$tools/nsslat gendata=$tools/gendata
else
	nsslat=$W/nsslat gendata=$W/gendata
	${CC:-cc} -O2 -Wall -o "$nsslat" "$here/nsslat.c" || die "cannot compile nsslat"
	${CC:-cc} -O2 -Wall -o "$gendata" "$here/gendata.c" || die "cannot compile gendata"
fi
[ -x "$nsslat" ] && [ -x "$gendata" ] || die "nsslat or gendata missing in $tools"

host_files=$(md5sum /etc/nsswitch.conf /etc/ld.so.cache /etc/passwd /etc/group)

# The module (a copy: a rebuild during the run changes nothing) and an
# ld.so.cache that lists its directory.
mkdir -p "$W/lib"
cp "$module" "$W/lib/"
printf 'include /etc/ld.so.conf.d/*.conf\n%s/lib\n' "$W" >"$W/ld.so.conf"
ldconfig -X -C "$W/ld.so.cache" -f "$W/ld.so.conf" || die "ldconfig failed"

# nsswitch.conf: the host's, with the passwd and group lines replaced.
nsswitch() {
	sed -E '/^(passwd|group|initgroups):/d' /etc/nsswitch.conf
	printf 'passwd: %s\ngroup: %s\n' "$1" "$1"
}

# make_etc DIR SERVICES: the lower layer of one namespace's /etc.
make_etc() {
	mkdir -p "$1/iam"
	nsswitch "$2" >"$1/nsswitch.conf"
	cp "$W/ld.so.cache" "$1/ld.so.cache"
	chmod 0644 "$1/nsswitch.conf" "$1/ld.so.cache"
}

# in_ns ETCDIR COMMAND...: COMMAND with ETCDIR laid over /etc.
in_ns() {
	unshare -m --propagation private sh -c '
		mount -t overlay overlay -o lowerdir="$0":/etc /etc || exit 98
		exec "$@"' "$@"
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
fsize() { stat -c %s "$@" | awk '{ s += $1 } END { print s }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

want() { case " $services " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
largest=$(echo $sizes | tr ' ' '\n' | sort -n | tail -1)
problems=""
problem() { problems="$problems
- $*"; note "PROBLEM: $*"; }

for n in $sizes; do
	D=$W/n$n
	mkdir -p "$D"
	note "N=$n: generating"
	extra=""
	[ "$n" = "$largest" ] && extra="--extra 10"
	"$gendata" --users "$n" --dir "$D" --uid-base $id_min --gid-base 3000000 $extra ||
		die "gendata failed"
	chmod 0644 "$D"/passwd* "$D/group"
	text=$(fsize "$D/passwd" "$D/group")

	# cache-build writes a temporary file next to --output, syncs it,
	# checks it and renames it into place: build and install. Three runs:
	# the first makes the file, the others replace it.
	note "N=$n: iamd cache-build"
	builds=""
	for i in 1 2 3; do
		t0=$(now)
		"$iamd" cache-build --passwd "$D/passwd" --group "$D/group" --output "$D/nss.cache" \
			--id-min $id_min --id-max $id_max >"$D/build.log" 2>&1 ||
			{ cat "$D/build.log" >&2; die "cache-build failed"; }
		t1=$(now)
		builds="$builds $(elapsed "$t0" "$t1")"
	done
	echo "size n=$n text=$text cache=$(fsize "$D/nss.cache") build_s=$(echo $builds | tr ' ' '\n' | median) builds=\"${builds# }\"" >>"$RAW"
	if [ -n "$extra" ]; then
		# A delta of 10 users: cache-build rebuilds the whole cache from the
		# full files (1,000,010 users), replacing the one in place.
		note "N=$n: cache-build again with 10 more users"
		cp "$D/nss.cache" "$D/nss.cache.delta"
		builds=""
		for i in 1 2 3; do
			t0=$(now)
			"$iamd" cache-build --passwd "$D/passwd.plus10" --group "$D/group" \
				--output "$D/nss.cache.delta" --id-min $id_min --id-max $id_max \
				>>"$D/build.log" 2>&1 || die "cache-build (delta) failed"
			t1=$(now)
			builds="$builds $(elapsed "$t0" "$t1")"
		done
		echo "delta n=$n added=10 build_s=$(echo $builds | tr ' ' '\n' | median) builds=\"${builds# }\"" >>"$RAW"
		rm -f "$D/nss.cache.delta"
	fi

	# libnss-cache's files, as nsscache writes them.
	if want cache; then
	t0=$(now)
	cp "$D/passwd" "$D/passwd.cache"
	cp "$D/group" "$D/group.cache"
	sleep 0.01
	python3 "$here/nsscache_index.py" passwd "$D/passwd.cache" &&
		python3 "$here/nsscache_index.py" group "$D/group.cache" || die "index failed"
	t1=$(now)
	echo "nsscache n=$n size=$(fsize "$D"/passwd.cache* "$D"/group.cache*) build_s=$(elapsed "$t0" "$t1")" >>"$RAW"
	fi

	# The big local files (for files and iam-big): the host's lines first.
	cat /etc/passwd "$D/passwd" >"$D/big-passwd"
	cat /etc/group "$D/group" >"$D/big-group"
	chmod 0644 "$D/big-passwd" "$D/big-group"

	for s in $services; do
		E=$D/etc-$s
		case $s in
		iam) make_etc "$E" "files iam" ;;
		files) make_etc "$E" "files" ;;
		cache) make_etc "$E" "files cache" ;;
		iam-only|iam-big) make_etc "$E" "iam" ;;
		esac
		printf 'cache_path = %s/nss.cache\nid_min = %s\nid_max = %s\n' "$D" $id_min $id_max \
			>"$E/iam/iam.conf"
		chmod 0644 "$E/iam/iam.conf"
		case $s in
		files|iam-big)
			ln "$D/big-passwd" "$E/passwd"
			ln "$D/big-group" "$E/group" ;;
		cache)
			for f in "$D"/passwd.cache* "$D"/group.cache*; do ln "$f" "$E/"; done ;;
		esac
	done

	# Answers first: the same lookups through getent in each namespace.
	u1=$(sed -n '1p' "$D/passwd" | cut -d: -f1)
	u2=$(sed -n "$(( (n + 1) / 2 ))p" "$D/passwd" | cut -d: -f1)
	uid2=$(sed -n "$(( (n + 1) / 2 ))p" "$D/passwd" | cut -d: -f3)
	g1=$(sed -n '1p' "$D/group" | cut -d: -f1)
	gbig=$(awk -F: '{ c = split($4, a, ","); if (c > m) { m = c; g = $1 } } END { print g }' "$D/group")
	gbig_gid=$(awk -F: -v g="$gbig" '$1 == g { print $3 }' "$D/group")
	ref=""
	for s in iam files cache iam-only; do
		want $s || continue
		out=$(in_ns "$D/etc-$s" sh -c "getent passwd $u1 $u2; getent passwd $uid2; getent group $g1; getent group $gbig_gid | awk -F: '{ print \$1, \$3, split(\$4, a, \",\") }'; id $u2; getent passwd zzmiss0000001 || echo miss-ok")
		# nss_iam lists members in its cache's order, not the file's:
		# compare member lists as sets
		out=$(echo "$out" | perl -lne 'if (/^team[0-9]+:/) { my @F = split /:/, $_, -1; $F[3] = join ",", sort split /,/, $F[3]; print join ":", @F } else { print }')
		echo "$out" >"$D/getent-$s.txt"
		if [ -z "$ref" ]; then ref=$out; refs=$s
		elif [ "$out" != "$ref" ]; then
			problem "N=$n: getent answers of $s differ from $refs (see $D/getent-*.txt): $(diff <(echo "$ref") <(echo "$out") | tr '\n' ' ')"
		fi
	done
	expect_line=$(grep "^$u1:" "$D/passwd")
	big_n=$(awk -F: -v g="$gbig" '$1 == g { print split($4, a, ",") }' "$D/group")
	if [ -n "$ref" ]; then
		echo "$ref" | grep -qxF "$expect_line" || problem "N=$n: getent passwd $u1 did not give the generated line"
		echo "$ref" | grep -qx "$gbig $gbig_gid $big_n" || problem "N=$n: group $gbig lacks members"
	fi
	out=""
	want iam-big && out=$(in_ns "$D/etc-iam-big" sh -c "getent passwd $u1; getent group $g1" | head -2)
	if [ -n "$out" ]; then
		echo "$out" >"$D/getent-iam-big.txt"
		note "N=$n: with the big local files, nss_iam answers local names: $(echo "$out" | tr '\n' ' ')"
		echo "localname_leak n=$n answer=\"$(echo "$out" | head -1)\"" >>"$RAW"
	fi

	for s in $services; do
		E=$D/etc-$s
		note "N=$n: $s"
		for i in 1 2 3 4 5; do
			in_ns "$E" "$nsslat" --cold "$u2" | sed -n 's/^cold_us=\([0-9.]*\).*/\1/p'
		done | median | sed "s/^/cold n=$n service=$s us=/" >>"$RAW"
		in_ns "$E" "$nsslat" --passwd "$D/passwd" --group "$D/group" --iters "$iters" \
			--budget "$budget" | sed "s/^/n=$n service=$s /" >>"$RAW" ||
			problem "N=$n: nsslat failed for $s"
	done
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "load n=$n loadavg=\"$load\"" >>"$RAW"
	# Big files are not needed any more.
	[ "$keep" = 1 ] || rm -rf "$D"/etc-* "$D"/big-* "$D"/passwd.cache* "$D"/group.cache*
done

[ "$host_files" = "$(md5sum /etc/nsswitch.conf /etc/ld.so.cache /etc/passwd /etc/group)" ] ||
	problem "the host's /etc files changed during the run"

# Cross-checks of the timed answers: the same keys must give the same
# answers (verify hash) and the same found counts... except in iam-big,
# where refusing local names is the right answer.
while read -r n op kind; do
	v=$(awk -v n="n=$n" -v op="op=$op" -v k="kind=$kind" '$1 == n && $3 == op && $4 == k' "$RAW" |
		grep -v 'service=iam-big' | grep -o 'verify=[0-9a-f]*' | sort -u | wc -l)
	[ "$v" = 1 ] || problem "N=$n: $op ($kind) answers differ between services: $(awk -v n="n=$n" -v op="op=$op" -v k="kind=$kind" '$1 == n && $3 == op && $4 == k { print $2, $6, $11 }' "$RAW" | tr '\n' ';')"
done < <(awk '$3 ~ /^op=/ { sub("n=", "", $1); sub("op=", "", $3); sub("kind=", "", $4); print $1, $3, $4 }' "$RAW" | sort -u)
while read -r line; do problem "a miss was found: $line"; done < <(
	awk '$3 ~ /^op=/ && $2 != "service=iam-big" && $4 == "kind=miss" && $6 != "found=0"' "$RAW")

# Tables.
echo "Run finished $(date -u '+%Y-%m-%d %H:%M') UTC on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), glibc $(ldd --version | head -1 | awk '{ print $NF }'), libnss-cache $(dpkg-query -W -f '${Version}' libnss-cache 2>/dev/null || echo '?'); module $module; --iters $iters --budget $budget."
echo
python3 "$here/report.py" "$RAW" "$sizes"
if [ -n "$problems" ]; then
	printf '\nProblems found by the run:%s\n' "$problems"
fi
