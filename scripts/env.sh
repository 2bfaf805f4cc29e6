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
# shellcheck disable=SC2034
KERNEL_FRAGMENTS=("$MEMCTL_TOP/kernel/vm.config" "$MEMCTL_TOP/tools/testing/selftests/memctl/config")

# memctl_kernel_dir: the cache directory of the kernel this checkout builds
# against. Its name covers everything the build depends on: the Debian source
# package version, the patch series, the config fragments and the toolchain.
memctl_kernel_dir() {
	local version key
	version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo none)
	key=$(
		{
			echo "recipe 1 $version"
			"$RUSTC" --version 2>/dev/null || true
			"$BINDGEN" --version 2>/dev/null || true
			clang --version 2>/dev/null | head -n 1 || true
			cat "$MEMCTL_TOP"/patches/*.patch "${KERNEL_FRAGMENTS[@]}"
		} | sha256sum | cut -c1-16
	)
	echo "$MEMCTL_CACHE/kernel/$version-$key"
}
