# shellcheck shell=bash
# Common environment for memctl scripts: where the cache lives and which toolchain
# builds the kernel. Sourced, not executed.

# The kernel build is cached outside the clone so that fresh clones reuse it.
: "${MEMCTL_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/memctl}"
MEMCTL_TOOLS="$MEMCTL_CACHE/tools"
# Debian's rustc-web (1.96, with rust-src) must build the kernel and the module; the
# rustup toolchain first on PATH has no rust-src and would silently drop CONFIG_RUST.
RUSTC=/usr/bin/rustc
RUSTDOC=/usr/bin/rustdoc
RUSTFMT=/usr/bin/rustfmt
BINDGEN="$MEMCTL_TOOLS/bin/bindgen"
# shellcheck disable=SC2034 # used by the scripts that source this file
KMAKE_VARS=(LLVM=1 "RUSTC=$RUSTC" "RUSTDOC=$RUSTDOC" "RUSTFMT=$RUSTFMT" "BINDGEN=$BINDGEN")
export MEMCTL_CACHE MEMCTL_TOOLS RUSTC RUSTDOC RUSTFMT BINDGEN

MEMCTL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Which test kernel: "default" (the cheap detectors, what `make check` runs) or
# "debug" (KASAN, kmemleak and UBSAN on top, what `make check-debug` runs).
: "${MEMCTL_KERNEL_FLAVOUR:=default}"
export MEMCTL_KERNEL_FLAVOUR
# shellcheck disable=SC2034
KERNEL_FRAGMENTS=("$MEMCTL_TOP/kernel/vm.config" "$MEMCTL_TOP/kernel/detectors.config"
	"$MEMCTL_TOP/kernel/containers.config" "$MEMCTL_TOP/tools/testing/selftests/memctl/config")
case $MEMCTL_KERNEL_FLAVOUR in
default) ;;
debug) KERNEL_FRAGMENTS+=("$MEMCTL_TOP/kernel/debug.config") ;;
*) echo "MEMCTL_KERNEL_FLAVOUR must be default or debug" >&2; exit 2 ;;
esac
# How long the longest selftests run: "quick" (make check, within its
# budget) or "full" (make check-full and make check-debug: the sizes the
# issues name). The guests see it as MEMCTL_TEST_SIZE too.
: "${MEMCTL_TEST_SIZE:=quick}"
export MEMCTL_TEST_SIZE
case $MEMCTL_TEST_SIZE in
quick | full) ;;
*) echo "MEMCTL_TEST_SIZE must be quick or full" >&2; exit 2 ;;
esac

memctl_source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo none
}

# memctl_kernel_dir: the cache directory of the kernels this checkout builds
# against. Its name covers everything the build depends on except the patch
# series: the Debian source package version, the toolchain and the config
# fragments. The series is keyed by memctl_patches_key: a kernel directory
# holds one build at a time, and a build with other patches starts from the
# one there (scripts/build-kernel), so make rebuilds only what they touch.
memctl_kernel_dir() {
	local key
	key=$({
		echo "recipe 2"
		"$RUSTC" --version 2>/dev/null || true
		"$BINDGEN" --version 2>/dev/null || true
		clang --version 2>/dev/null | head -n 1 || true
		cat "${KERNEL_FRAGMENTS[@]}"
	} | sha256sum | cut -c1-16)
	echo "$MEMCTL_CACHE/kernel/$(memctl_source_version)-$MEMCTL_KERNEL_FLAVOUR-$key"
}

# memctl_patches_key [DIR]: the hash of the patch series in DIR (default:
# this checkout's).
memctl_patches_key() {
	cat "${1:-$MEMCTL_TOP/patches}"/*.patch | sha256sum | cut -c1-16
}

# memctl_kernel_ready: whether the kernel directory holds a finished build of
# this checkout's patch series.
memctl_kernel_ready() {
	[[ "$(cat "$(memctl_kernel_dir)/done" 2>/dev/null)" == "$(memctl_patches_key)" ]]
}
