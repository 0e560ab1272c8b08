# SPDX-License-Identifier: GPL-2.0
# ipt-netflow++: `./configure && make && make install`.  Kbuild builds the
# module (see Kbuild); this file drives it, the iptables extension, install,
# DKMS, Debian packages and the tests.
#
# Another kernel, leaving the tree's own configuration alone:
#     make KVER=6.12.95+deb12-amd64 [all|module|install|check-vm|check-build]
# configures (./configure --kver=KVER) and builds in build/KVER/: kbuild builds
# an external module inside its source directory, so build/KVER/ holds a copy
# of the module sources (refreshed on each make) and its own config.mk and
# kernel API probes.  The iptables extension does not depend on the kernel and
# is built in xtables/ for all of them.

.DEFAULT_GOAL := all
VERSION := $(shell sed -n 's/^\#define NF_VERSION "\(.*\)"$$/\1/p' include/netflow/abi.h)

ifeq ($(origin KVER),command line)
BUILDDIR := build/$(KVER)
# A test kernel whose tools need a newer libc (7.x): configure and kbuild run in
# the chroot scripts/install-kernel.sh made for it, this tree mounted there.
KCACHE := $(or $(NF_KERNEL_CACHE),/var/cache/ipt-netflow-pp/kernels)
IN_ENV := $(if $(wildcard $(KCACHE)/$(KVER)/chroot),$(CURDIR)/scripts/install-kernel.sh --run $(KVER) --)
else
BUILDDIR := .
endif
CONFIG := $(BUILDDIR)/config.mk
ifneq ($(BUILDDIR),.)
# make remakes an included makefile that has a rule, then starts again.
-include $(CONFIG)
$(CONFIG): configure scripts/compat-probe.sh
	@mkdir -p $(BUILDDIR)
	cd $(BUILDDIR) && $(IN_ENV) $(CURDIR)/configure --kver=$(KVER) $(CONFIGURE_ARGS)
# The kernel build directory it names is gone (a test kernel installed
# system-wide by an older `make check` was purged; its headers are in the
# cache now): configured again.  KDIR of a chroot build is a path in there.
ifneq ($(KDIR),)
ifeq ($(wildcard $(if $(IN_ENV),$(shell cat $(KCACHE)/$(KVER)/chroot))$(KDIR)/Makefile),)
$(CONFIG): FORCE
.PHONY: FORCE
FORCE:
endif
endif
else ifneq ($(wildcard config.mk),)
include config.mk
endif

MODULE := ipt_NETFLOW.ko
XTLIB := xtables/libxt_NETFLOW.so
DEPMOD ?= /sbin/depmod
MANDIR ?= /usr/share/man
XTABLES_CFLAGS ?= $(shell pkg-config --cflags xtables 2>/dev/null)
XT_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -fPIC $(XTABLES_CFLAGS) $(CFLAGS)
COMPAT_H := $(BUILDDIR)/include/generated/nf_compat_probes.h
# The module's sources (what build/KVER/, DKMS and the .deb get).
MODULE_SOURCES = Kbuild $(sort $(shell find include/netflow kmod -name '*.[ch]' -o -name '*.[ch]pp')) \
	scripts/check-cxx-object.sh scripts/compat-probe.sh scripts/cxx-drop-flags.sh scripts/pahole-c-only.sh
DKMS_NAME := ipt-netflow-pp
DKMS_SRC = $(DESTDIR)/usr/src/$(DKMS_NAME)-$(VERSION)

.PHONY: all module xtables install uninstall clean check check-unit check-vm check-build \
	check-6.12 check-kernels check-debug-kernel check-debug-kernel-rt check-packaging demo need-config dkms-src dkms-install dkms-uninstall deb print-module-sources

all: module $(if $(MODULE_ONLY),,xtables)

need-config:
	@test -f $(CONFIG) || { echo "Run ./configure first." >&2; exit 1; }

# Kernel API probes: written by configure; redone if missing or if the probes changed.
$(COMPAT_H): scripts/compat-probe.sh | need-config
	$(IN_ENV) scripts/compat-probe.sh $(KDIR) $@

module: $(COMPAT_H) | need-config
ifneq ($(BUILDDIR),.)
	@cp -pu --parents $(MODULE_SOURCES) $(BUILDDIR)/
endif
	$(IN_ENV) $(MAKE) -C $(KDIR) M=$(abspath $(BUILDDIR)) NF_CXX=$(NF_CXX) NF_DEFINES="$(NF_DEFINES)" $(KBUILD_ARGS) modules

xtables: $(XTLIB)

$(XTLIB): xtables/libxt_NETFLOW.c
	$(CC) $(XT_CFLAGS) $(LDFLAGS) -shared -o $@ $<

install: all
	install -D -m 0644 $(BUILDDIR)/$(MODULE) $(DESTDIR)/lib/modules/$(KVER)/extra/$(MODULE)
ifeq ($(MODULE_ONLY),)
	install -D -m 0644 $(XTLIB) $(DESTDIR)$(XTLIBDIR)/libxt_NETFLOW.so
	install -D -m 0644 man/NETFLOW.8 $(DESTDIR)$(MANDIR)/man8/NETFLOW.8
endif
	$(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)

uninstall: need-config
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/$(MODULE)
ifeq ($(MODULE_ONLY),)
	rm -f $(DESTDIR)$(XTLIBDIR)/libxt_NETFLOW.so
	rm -f $(DESTDIR)$(MANDIR)/man8/NETFLOW.8
endif
	$(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)

clean:
	-test -f config.mk && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -f $(XTLIB)
	rm -rf build
	-test -f tests/unit/Makefile && $(MAKE) -C tests/unit clean

# ---- DKMS and Debian packages ------------------------------------------------
# The list, for scripts/build-deb.sh (one list: the .deb missed a new script).
print-module-sources:
	@printf '%s\n' $(MODULE_SOURCES)

# dkms-src: the module sources in /usr/src/NAME-VERSION (DESTDIR honoured).
dkms-src:
	@echo "  module sources -> $(DKMS_SRC)"
	@rm -rf $(DKMS_SRC)
	@mkdir -p $(DKMS_SRC)
	@cp -p --parents $(MODULE_SOURCES) Makefile configure LICENSE $(DKMS_SRC)/
	@sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

# dkms-install: registers, builds and installs the module for every installed
# kernel that has its headers; DKMS then rebuilds it for kernels installed later.
dkms-install:
	@command -v dkms >/dev/null || { echo "dkms is not installed: apt-get install dkms" >&2; exit 1; }
	-dkms remove $(DKMS_NAME)/$(VERSION) --all >/dev/null 2>&1
	@$(MAKE) --no-print-directory dkms-src DESTDIR=
	dkms add $(DKMS_NAME)/$(VERSION)
	@set -e; for k in $$(ls /lib/modules); do \
		if [ -f /lib/modules/$$k/build/Makefile ]; then \
			dkms install $(DKMS_NAME)/$(VERSION) -k $$k; \
		else \
			echo "dkms-install: no headers for $$k: skipped (DKMS builds it when they are installed)"; \
		fi; \
	done
	dkms status $(DKMS_NAME)

dkms-uninstall:
	-dkms remove $(DKMS_NAME)/$(VERSION) --all
	rm -rf /usr/src/$(DKMS_NAME)-$(VERSION)

# deb: ipt-netflow-pp-dkms and ipt-netflow-pp-xtables in build/deb/.
deb:
	@scripts/build-deb.sh

# ---- tests -----------------------------------------------------------------
# check and demo work from a fresh clone: they install packages and configure.
check:
	@scripts/bootstrap.sh
	@$(MAKE) -s all
	@tests/run-all.sh

check-unit:
	$(MAKE) -C tests/unit run

# libFuzzer targets of the core (clang + libFuzzer: tests/fuzz/install-deps.sh),
# FUZZ_SECONDS each; not part of `make check`.  See tests/fuzz/README.md.
FUZZ_SECONDS ?= 10
.PHONY: fuzz
fuzz:
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

# Build checks (W=1, runtime checker, modinfo) for this configuration.
check-build: all
	tests/build/check-build.sh $(BUILDDIR)

# VM scenarios on the configured kernel (make check-vm KVER=... for another).
check-vm: all
	tests/vm/run.sh --kver $(KVER) --module $(BUILDDIR)/$(MODULE) --xtlib xtables tests/vm/scenarios/*.sh

# Every kernel series (6.1, 6.1-rt, 6.12, 7.x, 7.x-rt; SERIES="..." for some):
# test kernels fetched into the project's cache (scripts/install-kernel.sh),
# build checks and the whole VM suite on each.  Not part of `make check`.
check-kernels:
	@tests/run-kernels.sh $(SERIES)

# One series (e.g. 6.12): the same, for that one.
check-6.12:
	@tests/run-kernels.sh 6.12

# The whole VM suite on a KASAN/lockdep/kmemleak/UBSAN kernel built once from
# linux-source-6.1 (cached in /var/cache; hours the first time, not in CI).
check-debug-kernel:
	scripts/debug-kernel.sh check

# The same on PREEMPT_RT (linux-source-6.12 + scripts/debug-kernel-rt.config):
# allocation or sleeping locks with preemption off show up as warnings.
check-debug-kernel-rt:
	DEBUG_KERNEL_FLAVOUR=rt scripts/debug-kernel.sh check

# DKMS and the .debs, installed on this machine and loaded in the VM;
# SERIES="6.1-rt 6.12 7 7-rt": also DKMS for those test kernels, each in its
# build environment, and its module loaded in that kernel's VM.
check-packaging:
	tests/packaging/test-deb.sh $(addprefix --series ,$(SERIES))

demo:
	@tests/demo.sh

# Performance against the original ipt_NETFLOW 2.6 in QEMU (-icount; ~20 min,
# not part of `make check`): BENCH_ARGS=--quick for a smoke run.
# BENCH_BASE=<git-ref>: also ours as of that ref, side by side in the same boots.
# BENCH_FIELDS=1: also each link-layer field alone (ours-mac, -vlan, -dir, -phys).
# See docs/PERFORMANCE.md.
.PHONY: bench
bench:
	@tests/bench/run.sh $(if $(BENCH_BASE),--base $(BENCH_BASE)) $(if $(BENCH_FIELDS),--fields) $(BENCH_ARGS)
