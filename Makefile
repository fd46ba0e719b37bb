# Entry points. See README.md.
S := scripts

.PHONY: all help deps tree export kernel kernel-debug selftests check check-host \
	kernel-debian deb deb-kernel check-debian debian-compile-check \
	check-debug checkpatch bisect-build shell demo bench clean \
	util-linux tree-util-linux export-util-linux check-util-linux check-util-linux-host mutants \
	deb-util-linux check-deb-util-linux

all: help

help:
	@echo "make demo         the scenario the feature exists for (patched kernel, VM)"
	@echo "make check        checkpatch, bisect build, selftests on the patched kernel"
	@echo "                  and on its debug variant, in virtme-ng (DEBUG=0: no debug)"
	@echo "make check-host   the same selftests on the host kernel (reference)"
	@echo "make tree         (re)create build/linux from patches/linux (FORCE=1 drops work)"
	@echo "make export       export build/linux's commits to patches/linux"
	@echo "make kernel       build the release kernel; kernel-debug: the debug one"
	@echo "make kernel-debian  the series with Debian's own config (hours cold)"
	@echo "make deb         kernel and util-linux .deb packages in build/deb"
	@echo "make check-debian  those packages installed in a throw-away root, tested in the VM"
	@echo "make shell        boot the patched kernel with an interactive shell"
	@echo "make bench        benchmarks on the host and the patched 6.1 (VM): build/bench/"
	@echo "make util-linux   build mount --beneath (patches/util-linux) into build/bin"
	@echo "make check-util-linux[-host]  its tests in the VM (on the host)"
	@echo "make tree-util-linux / export-util-linux  the util-linux edit loop"
	@echo "make deb-util-linux   Debian's util-linux packages with the series: build/deb"
	@echo "make check-deb-util-linux  test them in the VM (a throw-away root)"

deps:
	@$(S)/deps.sh

tree: deps
	@$(S)/tree.sh

export:
	@$(S)/export.sh

kernel: tree
	@$(S)/build-kernel.sh release

kernel-debug: tree
	@$(S)/build-kernel.sh debug

selftests: kernel
	@$(S)/build-selftests.sh release

checkpatch: tree
	@$(S)/checkpatch.sh

bisect-build: kernel
	@$(S)/bisect-build.sh

check:
	@$(S)/check.sh

check-debug: kernel-debug selftests
	@$(S)/vm-run.sh -v debug -- $(S)/run-selftests.sh --strict

kernel-debian: tree
	@$(S)/build-kernel-debian.sh

# The kernel packages only; make deb adds util-linux's (deb-util-linux),
# built first.
deb-kernel: tree
	@$(S)/build-kernel-debian.sh --deb

deb: tree deb-util-linux
	@$(S)/build-kernel-debian.sh --deb

check-debian: tree
	@$(S)/check-debian.sh

debian-compile-check: tree
	@$(S)/debian-compile-check.sh

check-host: selftests
	@$(S)/run-selftests.sh --host

shell: kernel
	@$(S)/vm-run.sh -v release -i

tree-util-linux: deps
	@$(S)/tree.sh util-linux

export-util-linux:
	@$(S)/export.sh util-linux

util-linux: deps
	@$(S)/build-util-linux.sh

check-util-linux: kernel util-linux
	@$(S)/vm-run.sh -v release -- $(S)/check-util-linux.sh --strict

check-util-linux-host: util-linux
	@$(S)/check-util-linux.sh --host

deb-util-linux:
	@$(S)/deb-util-linux.sh

check-deb-util-linux: kernel
	@$(S)/vm-run.sh -v release -n ul -- $(S)/check-deb-util-linux.sh

demo:
	@$(S)/demo.sh

bench: kernel
	@$(S)/bench.sh

mutants: selftests
	@MUTANTS='$(MUTANTS)' $(S)/mutants.sh

clean:
	rm -rf build/kernel-* build/kconfig-* build/selftests* build/vm-* build/cache-* \
		build/util-linux-gen build/util-linux-obj build/util-linux-obj-shared build/bin build/bench build/bench-bin \
		build/bench-vm build/deb-util-linux
