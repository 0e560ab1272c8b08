#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots Debian's kernel in QEMU (TCG, no NIC) with the host root as a read-only
# 9p share under a tmpfs overlay, runs the given scenario scripts one after the
# other in that single boot, and reports per scenario. See tests/vm/README.md.

set -euo pipefail

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)

usage() {
	cat <<EOF
usage: $0 [options] SCENARIO.sh [SCENARIO2.sh ...]

  --kver VER       kernel to boot: installed, or a test kernel in the cache of
                   scripts/install-kernel.sh (default: the one the project module was built
                   for, else the newest /boot/vmlinuz-* with /lib/modules/VER)
  --smp N[,maxcpus=M]  guest CPUs (default 2), and possible CPUs
  --mem M          guest memory in MiB (default 1024)
  --timeout SECS   per-scenario timeout (default 300; a scenario may override it
                   with a '# vm-timeout: SECS' line)
  --module P.ko    project module to make modprobe-able in the guest (repeatable;
                   default: $REPO/ipt_NETFLOW.ko if it exists)
  --no-auto        do not pick up ipt_NETFLOW.ko / xtables/ automatically
  --xtlib DIR      directory with libxt_*.so, prepended to XTABLES_LIBDIR
                   (default: $REPO/xtables if it holds a .so)
  --append 'k=v'   extra kernel command-line words (repeatable)
  --out DIR        results directory (default tests/vm/out/<timestamp>, must be empty)
  -v, --verbose    stream the guest console to stderr

Prints 'PASS name (Ns)' / 'FAIL name (Ns): reason' per scenario, then
'N passed, M failed'. Exit status 0 only if everything passed and the guest
finished cleanly.
EOF
}

KVER='' SMP=2 MEM=1024 TIMEOUT=300 XTLIB='' OUT='' VERBOSE=0 AUTO=1
MODULES=() APPEND=() SCENARIOS=()
while [ $# -gt 0 ]; do
	case $1 in
	--kver) KVER=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--module) MODULES+=("$2"); shift 2 ;;
	--xtlib) XTLIB=$2; shift 2 ;;
	--append) APPEND+=("$2"); shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--no-auto) AUTO=0; shift ;;
	-v | --verbose) VERBOSE=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; SCENARIOS+=("$@"); break ;;
	-*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) SCENARIOS+=("$1"); shift ;;
	esac
done
[ ${#SCENARIOS[@]} -gt 0 ] || { usage >&2; exit 2; }
[[ $SMP =~ ^[1-9][0-9]*(,maxcpus=[1-9][0-9]*)?$ ]] ||
	{ echo "run.sh: --smp wants N or N,maxcpus=M (CPUs online, possible)" >&2; exit 2; }
for v in MEM TIMEOUT; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --${v,,} wants a positive integer" >&2; exit 2; }
done

BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-120} # host: boot to first scenario
SCALE=${VM_TIMEOUT_SCALE:-1}         # multiplies every scenario timeout (slow debug kernels)
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: VM_TIMEOUT_SCALE wants a positive integer" >&2; exit 2; }
# host: slack per phase beyond the guest's own timeout; a debug kernel's
# cleanup between scenarios (kmemleak, KASAN) is as much slower as the rest
GRACE=${VM_GRACE:-$((30 * SCALE))}

msg() { echo "run.sh: $*" >&2; }
die() { msg "$*"; exit 2; }
now() { date +%s; }

# ------------------------------------------------------------- scenarios ---
declare -A used=()
SCEN_PATHS=() SCEN_NAMES=() SCEN_TIMEOUTS=()
for s in "${SCENARIOS[@]}"; do
	[ -f "$s" ] && [ -r "$s" ] || die "scenario $s not found"
	p=$(readlink -f "$s")
	n=$(basename "$p" .sh)
	if [ -n "${used[$n]:-}" ]; then
		used[$n]=$((used[$n] + 1))
		n=$n.${used[$n]}
	else
		used[$n]=1
	fi
	t=$(grep -m1 -oE '^# *vm-timeout: *[0-9]+' "$p" | grep -oE '[0-9]+$' || true)
	SCEN_PATHS+=("$p") SCEN_NAMES+=("$n") SCEN_TIMEOUTS+=("$((${t:-$TIMEOUT} * SCALE))")
done

# ---------------------------------------------------------------- kernel ---
# Default: the kernel the project module was built for, else the newest one.
# A kernel is either installed (/boot, /lib/modules) or a test kernel that
# scripts/install-kernel.sh unpacked into its cache: KROOT is then the root of
# that unpacked tree (boot/, lib/modules/), else empty for the host's.
KCACHE=${NF_KERNEL_CACHE:-/var/cache/ipt-netflow-pp/kernels}
if [ -z "$KVER" ]; then
	for p in "${MODULES[@]}" $([ $AUTO = 1 ] && echo "$REPO/ipt_NETFLOW.ko"); do
		[ -f "$p" ] || continue
		k=$(modinfo -F vermagic "$p" 2>/dev/null | awk '{print $1}')
		[ -n "$k" ] && { [ -r "/boot/vmlinuz-$k" ] || [ -r "$KCACHE/$k/boot/vmlinuz-$k" ]; } && KVER=$k
		break
	done
fi
if [ -z "$KVER" ]; then
	KVER=$(for f in /boot/vmlinuz-*; do
		k=${f#/boot/vmlinuz-}
		[ -d "/lib/modules/$k/kernel" ] && echo "$k"
	done | sort -V | tail -n1)
fi
[ -n "$KVER" ] || die "no kernel found in /boot"
KROOT=
if [ ! -r "/boot/vmlinuz-$KVER" ] || [ ! -d "/lib/modules/$KVER/kernel" ]; then
	[ -f "$KCACHE/$KVER/ready" ] && KROOT=$KCACHE/$KVER
fi
KERNEL=$KROOT/boot/vmlinuz-$KVER
KMODDIR=$KROOT/lib/modules/$KVER
[ -r "$KERNEL" ] || die "$KERNEL not readable (a test kernel? scripts/install-kernel.sh SERIES)"
[ -d "$KMODDIR/kernel" ] || die "$KMODDIR missing"
MODINFO=(modinfo)
[ -z "$KROOT" ] || MODINFO+=(-b "$KROOT")
for t in qemu-system-x86_64 modinfo depmod cpio sha256sum; do
	command -v $t >/dev/null || die "$t not installed"
done
BUSYBOX=$(command -v busybox) || die "busybox (busybox-static) not installed"

CACHE=${VM_CACHE:-$VM_DIR/.cache}/$KVER
mkdir -p "$CACHE"

# ------------------------------------------------------------- initramfs ---
# Modules the initramfs needs, with their dependencies resolved through modinfo
# (so the list also works on kernels where some are built in or renamed).
declare -A seen=() modfile=()
modorder=()
add_mod() {
	local m=$1 f d
	[ -n "${seen[$m]:-}" ] && return 0
	seen[$m]=1
	if ! f=$("${MODINFO[@]}" -k "$KVER" -n "$m" 2>/dev/null); then
		msg "note: module $m not found for $KVER (skipped)"
		return 0
	fi
	[ "$f" = "(builtin)" ] && return 0
	for d in $("${MODINFO[@]}" -k "$KVER" -F depends "$m" | tr ',' ' '); do add_mod "$d"; done
	modfile[$m]=$f
	modorder+=("$m")
}
for m in virtio_pci 9pnet_virtio 9p overlay; do add_mod "$m"; done

key=$( {
	echo "$KVER"
	sha256sum "$BUSYBOX" "$VM_DIR/initramfs-init.sh"
	for m in "${modorder[@]}"; do echo "$m"; sha256sum "${modfile[$m]}"; done
} | sha256sum | cut -c1-16)
INITRD=$CACHE/initramfs-$key.cpio
if [ ! -s "$INITRD" ]; then
	t0=$(now)
	st=$(mktemp -d "$CACHE/initramfs.XXXXXX")
	mkdir -p "$st"/{bin,dev,proc,sys,lower,rw,newroot,lib/modules}
	cp "$BUSYBOX" "$st/bin/busybox"
	ln -s busybox "$st/bin/sh"
	mknod "$st/dev/console" c 5 1 2>/dev/null || true
	mknod "$st/dev/null" c 1 3 2>/dev/null || true
	install -m 0755 "$VM_DIR/initramfs-init.sh" "$st/init"
	for m in "${modorder[@]}"; do
		f=${modfile[$m]}
		case $f in
		*.ko) cp "$f" "$st/lib/modules/$m.ko" ;;
		*.ko.xz) xz -dc "$f" >"$st/lib/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$st/lib/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$st/lib/modules/$m.ko" ;;
		*) die "unknown module format: $f" ;;
		esac
		echo "$m" >>"$st/modules.list"
	done
	(cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$st.cpio"
	mv -f "$st.cpio" "$INITRD"
	rm -rf "$st"
	# keep only the current initramfs of this kernel
	find "$CACHE" -maxdepth 1 -name 'initramfs-*.cpio' ! -name "initramfs-$key.cpio" -delete
	msg "built initramfs $(basename "$INITRD") (${modorder[*]}) in $(($(now) - t0))s"
fi

# ------------------------------------------------------- project modules ---
if [ $AUTO = 1 ] && [ ${#MODULES[@]} -eq 0 ] && [ -f "$REPO/ipt_NETFLOW.ko" ]; then
	MODULES=("$REPO/ipt_NETFLOW.ko")
	msg "using $REPO/ipt_NETFLOW.ko (--no-auto to skip)"
fi
if [ $AUTO = 1 ] && [ -z "$XTLIB" ] && compgen -G "$REPO/xtables/*.so" >/dev/null; then
	XTLIB=$REPO/xtables
fi
if [ -n "$XTLIB" ]; then
	[ -d "$XTLIB" ] || die "--xtlib $XTLIB is not a directory"
	XTLIB=$(readlink -f "$XTLIB")
fi

MODTREE='' PROJECT_MODS=()
if [ ${#MODULES[@]} -gt 0 ]; then
	mkey=$( {
		echo "$KVER"
		for p in "${MODULES[@]}"; do
			[ -f "$p" ] || die "module $p not found"
			basename "$p"
			sha256sum <"$p"
		done
	} | sha256sum | cut -c1-16)
	for p in "${MODULES[@]}"; do
		n=$(basename "$p" .ko)
		PROJECT_MODS+=("${n//-/_}")
		vm=$(modinfo -F vermagic "$p" 2>/dev/null | awk '{print $1}')
		[ "$vm" = "$KVER" ] || msg "WARNING: $p was built for '$vm', booting $KVER"
	done
	MODTREE=$CACHE/modtree-$mkey
	if [ ! -d "$MODTREE" ]; then
		tmp=$(mktemp -d "$CACHE/modtree.XXXXXX")
		md=$tmp/lib/modules/$KVER
		mkdir -p "$md/extra"
		for e in "$KMODDIR"/*; do
			b=$(basename "$e")
			case $b in
			# generated by depmod below / project modules only / unneeded
			modules.dep | modules.dep.bin | modules.alias | modules.alias.bin | \
				modules.symbols | modules.symbols.bin | modules.softdep | \
				modules.weakdep | modules.devname | modules.builtin.bin | \
				modules.builtin.alias.bin | extra | updates | build | source) ;;
			*) ln -s "$e" "$md/$b" ;;
			esac
		done
		for p in "${MODULES[@]}"; do cp "$p" "$md/extra/"; done
		# -e -E: report unresolved symbols of the project modules now, on
		# the host, rather than as a modprobe failure in the guest
		symcheck=()
		symvers=/lib/modules/$KVER/build/Module.symvers
		[ -z "$KROOT" ] || symvers=$(cat "$KROOT/kdir")/Module.symvers
		[ -r "$symvers" ] && symcheck=(-e -E "$symvers")
		if ! depmod -b "$tmp" "${symcheck[@]}" "$KVER" 2>"$tmp.err"; then
			head -n 20 "$tmp.err" >&2
			rm -rf "$tmp" "$tmp.err"
			die "depmod failed"
		fi
		grep -F '/extra/' "$tmp.err" | sed "s|$tmp/lib/modules/$KVER/||; s/^/run.sh: /" | head -n 20 >&2 || true
		rm -f "$tmp.err"
		mv -T "$tmp" "$MODTREE" 2>/dev/null || rm -rf "$tmp"
	fi
	touch "$MODTREE"
	# prune: keep the 5 most recently used trees, and anything used in the last hour
	ls -1dt "$CACHE"/modtree-* 2>/dev/null | tail -n +6 | while read -r old; do
		if [ -n "$(find "$old" -maxdepth 0 -mmin +60)" ]; then rm -rf "$old"; fi
	done || true
fi

# ------------------------------------------------------------ out dir ---
if [ -z "$OUT" ]; then
	OUT=$VM_DIR/out/$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$OUT"
	ln -sfn "$(basename "$OUT")" "$VM_DIR/out/latest"
else
	mkdir -p "$OUT"
	[ -z "$(ls -A "$OUT")" ] || die "--out $OUT is not empty"
fi
OUT=$(readlink -f "$OUT")

VM_KVER=$KVER VM_REPO=$REPO VM_XTLIB=$XTLIB VM_MODTREE=$MODTREE VM_KMODDIR=$KMODDIR
VM_PROJECT_MODS=("${PROJECT_MODS[@]}")
declare -p VM_KVER VM_REPO VM_DIR VM_XTLIB VM_MODTREE VM_KMODDIR VM_PROJECT_MODS \
	SCEN_PATHS SCEN_NAMES SCEN_TIMEOUTS >"$OUT/vm.conf"

# ------------------------------------------------------------------ boot ---
# no_timer_check: a loaded host can make TCG miss the IO-APIC timer check at boot.
cmdline="console=ttyS0 quiet panic=-1 printk.devkmsg=on no_timer_check vm_init=$VM_DIR/guest-init.sh ${APPEND[*]}"
# thread=single: all vCPUs take turns on one host thread.  With a thread per
# vCPU (QEMU's default) the guest's live code patching (static keys, int3 via
# text_poke_bp) has crashed 6.12 guests now and then, at boot ("Fatal exception
# in interrupt" at 1.2 s) and under traffic ("Oops: int3" in
# __netif_receive_skb_core): the emulator, not the kernel or the module.
# Two vCPUs still interleave (per-CPU caches, locking), only not in parallel.
# VM_TCG_THREAD=multi brings the default back.
qemu=(qemu-system-x86_64 -accel "tcg,thread=${VM_TCG_THREAD:-single}" -nic none -nographic -no-reboot
	-m "$MEM" -smp "$SMP"
	-kernel "$KERNEL" -initrd "$INITRD" -append "$cmdline"
	-virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$OUT,mount_tag=out,security_model=none,multidevs=remap")
# shellcheck disable=SC2206 # deliberate word splitting of an expert knob
[ -n "${VM_QEMU_ARGS:-}" ] && qemu+=($VM_QEMU_ARGS)

total=$BOOT_TIMEOUT
for t in "${SCEN_TIMEOUTS[@]}"; do total=$((total + t + 2 * GRACE)); done

t_start=$(now)
msg "booting $KVER (smp $SMP, mem ${MEM}M) for ${#SCEN_NAMES[@]} scenario(s); results in $OUT"
: >"$OUT/console.log"
timeout -k 10 "$total" "${qemu[@]}" </dev/null >"$OUT/console.log" 2>&1 &
qpid=$!
tailpid=
if [ $VERBOSE = 1 ]; then
	tail -n +1 -f "$OUT/console.log" >&2 &
	tailpid=$!
fi
stop_qemu() { # $qpid is `timeout`, which passes TERM on to QEMU
	kill "$qpid" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || return 0; sleep 0.5; done
	pkill -KILL -P "$qpid" 2>/dev/null || true # QEMU itself
	kill -KILL "$qpid" 2>/dev/null || true
}
trap 'stop_qemu; [ -n "$tailpid" ] && kill $tailpid 2>/dev/null; exit 130' INT TERM

# Host-side watchdog: the guest kills a scenario after its timeout, but a
# wedged kernel cannot; so kill QEMU when a phase overruns.
declare -A seen_start=() seen_rc=()
phase_deadline=$((t_start + BOOT_TIMEOUT)) phase="boot"
killed='' t_kill=''
while kill -0 "$qpid" 2>/dev/null; do
	t=$(now)
	if [ -f "$OUT/done" ]; then
		[ "$phase" = "done" ] || { phase="done"; phase_deadline=$((t + GRACE)); }
	else
		for i in "${!SCEN_NAMES[@]}"; do
			n=${SCEN_NAMES[i]}
			if [ -f "$OUT/$n/rc" ]; then
				if [ -z "${seen_rc[$n]:-}" ]; then
					seen_rc[$n]=1
					phase="after $n" phase_deadline=$((t + GRACE))
				fi
			elif [ -f "$OUT/$n/start" ] && [ -z "${seen_start[$n]:-}" ]; then
				seen_start[$n]=$t
				phase=$n phase_deadline=$((t + SCEN_TIMEOUTS[i] + GRACE))
			fi
		done
	fi
	if [ "$t" -gt "$phase_deadline" ]; then
		case $phase in
		boot) killed="guest did not reach the first scenario within ${BOOT_TIMEOUT}s" ;;
		done) killed="guest did not power off" ;;
		after*) killed="guest stuck ${GRACE}s ${phase} (cleanup / dmesg)" ;;
		*) killed="guest stuck in scenario $phase beyond its timeout (host watchdog)" ;;
		esac
		echo "$killed" >"$OUT/host-kill"
		t_kill=$t
		stop_qemu
		break
	fi
	sleep 0.5
done
qrc=0
wait "$qpid" 2>/dev/null || qrc=$?
[ -n "$tailpid" ] && { sleep 0.3; kill "$tailpid" 2>/dev/null || true; }
trap - INT TERM
wall=$(($(now) - t_start))

# --------------------------------------------------------------- verdict ---
set +e # from here on every scenario must be reported, whatever goes wrong
SCAN=$VM_DIR/scan-dmesg.sh
passed=0 failed=0 global_fail=0
show() { sed 's/^/    /' | head -n "${2:-40}"; }

guest_reason=
if [ ! -f "$OUT/done" ]; then
	global_fail=1
	if [ -n "$killed" ]; then
		guest_reason=$killed
	elif grep -q 'Kernel panic' "$OUT/console.log"; then
		guest_reason="kernel panic: $(grep -m1 -a 'Kernel panic' "$OUT/console.log" | tr -d '\r')"
	elif [ $qrc = 124 ] || [ $qrc = 137 ]; then
		guest_reason="QEMU killed by the overall timeout (${total}s)"
	else
		guest_reason="guest did not finish (QEMU exit status $qrc)"
	fi
fi

if [ -f "$OUT/boot.dmesg" ] && ! hits=$("$SCAN" "$OUT/boot.dmesg"); then
	global_fail=1
	echo "ERROR boot: kernel log shows trouble before the first scenario:"
	echo "$hits" | show
fi

badtaint() { echo $(($1 & ~(4096 | 8192))); }
prev_taint=$(cat "$OUT/boot.tainted" 2>/dev/null || echo 0)
if [ "$(badtaint "$prev_taint")" != 0 ]; then
	global_fail=1
	echo "ERROR boot: kernel tainted $prev_taint before the first scenario"
fi

for i in "${!SCEN_NAMES[@]}"; do
	n=${SCEN_NAMES[i]} d=$OUT/${SCEN_NAMES[i]} tmo=${SCEN_TIMEOUTS[i]}
	reason='' details=''
	tm=$(cat "$d/time" 2>/dev/null || echo "?")
	if [ ! -f "$d/start" ]; then
		reason="not run: ${guest_reason:-guest stopped before it}"
		tm=0
	elif [ ! -f "$d/rc" ]; then
		reason="did not finish: ${guest_reason:-unknown}"
		# host clock: the start file's mtime to the console log's last write
		# (or the moment the watchdog killed QEMU)
		tend=$(stat -c %Y "$OUT/console.log")
		[ -n "$t_kill" ] && tend=$t_kill
		tm=$((tend - $(stat -c %Y "$d/start")))
		details=$(tail -n 15 "$d/log" 2>/dev/null)
		hits=$(grep -a -A30 -E 'WARNING:|BUG:|Oops|Kernel panic|Call Trace|soft lockup|blocked for more' \
			"$OUT/console.log" | tr -d '\r' | head -n 60 || true)
		[ -n "$hits" ] && details+=$'\n'"--- console:"$'\n'"$hits"
	else
		rc=$(cat "$d/rc")
		if [ "$rc" != 0 ]; then
			if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				reason="timed out after ${tmo}s"
			elif [ -s "$d/reason" ]; then
				reason=$(head -n1 "$d/reason")
			else
				reason="exit status $rc: $(grep -v '^vmtest-harness' "$d/log" | tail -n1)"
			fi
			details=$(tail -n 15 "$d/log")
		fi
		if [ -s "$d/cleanup-failed" ]; then
			[ -n "$reason" ] && reason+="; "
			reason+=$(head -n1 "$d/cleanup-failed")
		fi
		if [ -f "$d/dmesg" ] && ! hits=$("$SCAN" "$d/dmesg"); then
			hits=$(echo "$hits" | sed "s|^$OUT/||")
			# name the most telling line, not the "cut here" / "Call Trace" decoration
			first=$(echo "$hits" | grep -vE 'cut here|Call Trace' | head -n1)
			[ -n "$first" ] || first=$(echo "$hits" | head -n1)
			[ -n "$reason" ] && reason+="; "
			reason+="kernel log: $(echo "$first" | cut -d: -f3- | sed -E 's/^\[ *[0-9.]+\] //')"
			line1=$(echo "$hits" | head -n1 | cut -d: -f2)
			details+=$'\n'"--- offending dmesg lines ($n/dmesg):"$'\n'"$(echo "$hits" | head -n 20)"
			details+=$'\n'"--- dmesg from line $((line1 > 3 ? line1 - 3 : 1)):"
			details+=$'\n'"$(tail -n +$((line1 > 3 ? line1 - 3 : 1)) "$d/dmesg" | head -n 40)"
		fi
		tn=$(cat "$d/tainted" 2>/dev/null || echo 0)
		newbad=$(($(badtaint "$tn") & ~prev_taint))
		if [ "$newbad" != 0 ]; then
			[ -n "$reason" ] && reason+="; "
			reason+="kernel tainted $tn (new bits $newbad)"
		fi
		prev_taint=$tn
	fi
	if [ -z "$reason" ]; then
		echo "PASS $n (${tm}s)"
		passed=$((passed + 1))
	else
		echo "FAIL $n (${tm}s): $reason"
		[ -n "$details" ] && echo "$details" | sed '/^$/d' | show 80
		failed=$((failed + 1))
	fi
done

if [ -f "$OUT/done" ]; then
	if ! hits=$("$SCAN" "$OUT/end.dmesg"); then
		global_fail=1
		echo "ERROR end: kernel log shows trouble after the last scenario:"
		echo "$hits" | show
	fi
	tn=$(cat "$OUT/tainted")
	if [ "$(badtaint "$tn")" != 0 ]; then
		global_fail=1
		echo "ERROR end: /proc/sys/kernel/tainted is $tn (only O=4096 and E=8192 allowed)"
	fi
elif [ -n "$guest_reason" ]; then
	echo "ERROR guest: $guest_reason"
	grep -a -E 'Kernel panic|vmtest-initramfs' "$OUT/console.log" | tr -d '\r' | head -n 5 | show
fi

msg "wall ${wall}s; results in $OUT"
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $global_fail = 0 ]
