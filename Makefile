# SPDX-License-Identifier: GPL-2.0
#
# User-facing targets. The module's build rules are in Kbuild; the kernel
# build system reads that file when it builds the module (scripts/build-module).

.PHONY: demo check shell module kernel clean

demo:
	@scripts/demo

check:
	@scripts/check

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
