# SPDX-License-Identifier: GPL-2.0
# ipt-netflow++: `./configure && make && make install`.  Kbuild builds the
# module (see Kbuild); this file drives it, the iptables extension, install
# and the tests.

ifneq ($(wildcard config.mk),)
include config.mk
endif

MODULE := ipt_NETFLOW.ko
XTLIB := xtables/libxt_NETFLOW.so
DEPMOD ?= /sbin/depmod
XT_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -fPIC $(XTABLES_CFLAGS)

.PHONY: all module xtables install uninstall clean check check-unit check-vm demo need-config

all: module xtables

need-config:
	@test -f config.mk || { echo "Run ./configure first." >&2; exit 1; }

module: need-config
	$(MAKE) -C $(KDIR) M=$(CURDIR) NF_CXX=$(NF_CXX) modules

xtables: $(XTLIB)

$(XTLIB): xtables/libxt_NETFLOW.c | need-config
	$(CC) $(XT_CFLAGS) -shared -o $@ $<

install: all
	install -D -m 0644 $(MODULE) $(DESTDIR)/lib/modules/$(KVER)/extra/$(MODULE)
	install -D -m 0644 $(XTLIB) $(DESTDIR)$(XTLIBDIR)/libxt_NETFLOW.so
	$(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)

uninstall: need-config
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/$(MODULE)
	rm -f $(DESTDIR)$(XTLIBDIR)/libxt_NETFLOW.so
	$(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)

clean:
	-test -f config.mk && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -f $(XTLIB)
	$(MAKE) -C tests/unit clean

# ---- tests -----------------------------------------------------------------
# check and demo work from a fresh clone: they install packages and configure.
check:
	@scripts/bootstrap.sh
	@$(MAKE) -s all
	@tests/run-all.sh

check-unit:
	$(MAKE) -C tests/unit run

check-vm: all
	tests/vm/run.sh tests/vm/scenarios/*.sh

demo:
	@tests/demo.sh
