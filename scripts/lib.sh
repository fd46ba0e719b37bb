# Common settings for the harness scripts. Source it; do not run it.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
LINUX=$BUILD/linux
LINUX_TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

# The patched project: linux (default) or util-linux. Sets NAME, SRC (its
# tree in build/) and PATCHES (its series in patches/).
project() {
	case $1 in
	linux | util-linux) ;;
	*) die "unknown project '$1' (linux or util-linux)" ;;
	esac
	NAME=$1
	SRC=$BUILD/$1
	PATCHES=$TOP/patches/$1
}
project linux

# The Debian version of the project's pristine source.
base_version() {
	case $NAME in
	linux) dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown ;;
	util-linux) dpkg-query -W -f='${source:Version}' util-linux 2>/dev/null || echo unknown ;;
	esac
}
JOBS=${JOBS:-$(($(nproc) + 1))}

# Reproducible build identity, so ccache and relinks do not depend on the clock.
export KBUILD_BUILD_TIMESTAMP='2023-01-01'
export KBUILD_BUILD_USER=mbtest KBUILD_BUILD_HOST=mbtest

die() { echo "error: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

# The series, one patch file name per line, comments and blanks dropped.
series() {
	[ -f "$PATCHES/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$PATCHES/series"
}

# A hash of everything in patches/linux that affects the tree.
patches_stamp() {
	(cd "$PATCHES" && { cat series 2>/dev/null; series | xargs -r cat; } | sha256sum | cut -d' ' -f1)
}

# guest_only WHAT: die unless in a guest of scripts/vm-run.sh. For the runs
# that may create loop or dm devices or change sysctls; on the host their
# --host mode confines them (scripts/host-ns.sh).
guest_only() {
	[ "${MB_GUEST:-}" = 1 ] ||
		die "$1 runs in a VM (scripts/vm-run.sh ... -- $1); on the host use --host"
}

# Object dir of a kernel variant (release, debug, ...).
objdir() { echo "$BUILD/kernel-$1"; }

# The notes of a patch file written by 'git format-patch --notes': the
# indented block after "Notes:" between the "---" line and the diffstat.
patch_notes() {
	awk '/^---$/ { sep = 1; next }
	     sep && /^Notes:$/ { on = 1; next }
	     on && /^    / { sub(/^    /, ""); print; next }
	     on && /^$/ { print; next }
	     on { exit }
	     /^diff --git / { exit }' "$1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# config_check CONFIG FRAGMENT...: every option the fragments set (or unset)
# survived olddefconfig in CONFIG; says which did not, and returns 1 then.
config_check() {
	local cfg=$1 line opt bad=0
	shift
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}; line="" ;;
		*) continue ;;
		esac
		if [ -n "$line" ]; then
			grep -qx -- "$line" "$cfg" || {
				echo "config: $line requested but got: $(grep -E "^(# )?${opt}[= ]" "$cfg" || echo unset)" >&2
				bad=1
			}
		else
			! grep -q "^$opt=" "$cfg" || { echo "config: $opt should be unset" >&2; bad=1; }
		fi
	done < <(cat "$@")
	return "$bad"
}

# The series' own tests in a guest, as "NAME:COMMAND" lines for
# ktap_run_nested (guest-tests.sh, debian-guest-tests.sh).
series_guest_runs() {
	echo "selftests:$TOP/scripts/run-selftests.sh --strict"
	echo "mount --beneath:$TOP/scripts/check-util-linux.sh --strict --only beneath"
}
