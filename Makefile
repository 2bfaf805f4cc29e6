# SPDX-License-Identifier: GPL-2.0
#
# User-facing targets. The module's build rules are in Kbuild; the kernel
# build system reads that file when it builds the module (scripts/build-module).

.PHONY: demo check check-full check-debug shell module kernel clean

demo:
	@scripts/demo

# The whole suite within its 8-minute budget: the longest run, the dirty
# limits' seed scenario, writes a quarter of the issue's size, which
# check-full writes. Documentation/building-and-testing.rst says why.
check:
	@scripts/check

check-full:
	@MEMCTL_TEST_SIZE=full scripts/check

# The full suite on the debug kernel: KASAN, kmemleak and UBSAN on top of the
# default test kernel's detectors (its own cached kernel; slower guests).
check-debug:
	@MEMCTL_KERNEL_FLAVOUR=debug MEMCTL_TEST_SIZE=full MEMCTL_VM_TIMEOUT=3600 \
		MEMCTL_PARALLEL_GUESTS=3 scripts/check

shell:
	@scripts/vm-run --shell

module:
	@scripts/build-module

kernel:
	@scripts/build-kernel

# The cached kernel (outside the clone) stays; remove ~/.cache/memctl for that.
clean:
	rm -rf out rust/target
	find . \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name '*.d' -o -name '*.rmeta' \) -delete
	rm -f Module.symvers modules.order
