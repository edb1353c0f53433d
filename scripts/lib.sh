# Shared by demo.sh and test.sh: the Debian packages the suite needs, and
# the build. Sourced, not run.

# Build: compilers, autotools and the libraries configure looks for.
IAM_BUILD_PACKAGES="build-essential autoconf automake libtool pkg-config
 libcurl4-openssl-dev libjson-c-dev libssl-dev liboath-dev libmicrohttpd-dev
 libsqlite3-dev libpam0g-dev libqrencode-dev libcmocka-dev zlib1g-dev"
# Running the demo and the tests: real programs the tests drive.
IAM_RUN_PACKAGES="curl ca-certificates sqlite3 oathtool faketime tzdata jq
 valgrind clang cppcheck clang-tidy wrk openssh-server openssh-client sudo systemd
 pamtester debhelper lintian python3-cryptography"

iam_top=$(cd "$(dirname "$0")/.." && pwd)

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs what is missing (apt-get, as root); does nothing when all is there.
iam_install_packages() {
	missing=""
	for p in $IAM_BUILD_PACKAGES $IAM_RUN_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing Debian packages:$missing (run as root to install them)"
	say "Installing Debian packages:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# iam_build DIR [CONFIGURE ARGS...]: configure (once) and build out of tree.
iam_build() {
	dir=$1
	shift
	[ -x "$iam_top/configure" ] || (cd "$iam_top" && autoreconf -fi) >/dev/null 2>&1 ||
		die "autoreconf failed"
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && "$iam_top/configure" --prefix=/usr --sysconfdir=/etc \
			--localstatedir=/var "$@") >"$dir/configure.log" 2>&1 ||
			{ tail -n 30 "$dir/configure.log"; die "configure failed (see $dir/configure.log)"; }
	fi
	make -C "$dir" -j"$(nproc)" >"$dir/make.log" 2>&1 ||
		{ tail -n 40 "$dir/make.log"; die "the build failed (see $dir/make.log)"; }
}
