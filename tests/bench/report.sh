#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh OUT: the benchmark's tables from OUT/results.txt (lines "KEY VALUE"
# written by the guest scripts) and OUT/info.txt.  Targets (issue #7):
#   instructions per packet over -j MARK: ours <= 0.5 x the original at its best
#   bytes per flow all-in with 1,000,000 flows: IPv4 <= 96, IPv6 <= 128
#   1,000,000 flows expiring at once: every one stored by nfcapd, none lost
# With run.sh --base REF, also base (ours built from REF) vs current, each figure
# flagged when current/base is outside 1 +- TOL (TOL 0.02: the project's 2 % rule).

set -euo pipefail
OUT=${1:?usage: report.sh OUT}
[ -s "$OUT/results.txt" ] || { echo "report.sh: no results in $OUT" >&2; exit 1; }

awk -v info="$OUT/info.txt" -v tol=0.02 '
function have(k) { return (k in r) }
function get(k) { return (k in r) ? r[k] : "" }
# Over -j MARK measured with the same module loaded (10-cost.sh says why),
# or over the plain MARK series for results without it.
function base(be, rule, mix) {
	return have("cost." be "." rule "-mark." mix) ? get("cost." be "." rule "-mark." mix) : get("cost." be ".mark." mix)
}
# One table: VARIANT against ours, per backend and mix; with RULE, the
# new-flow mix must cost less with the variant.
function vs_ours(variant, vname, oname, title, rule,   b, m, be, mix, hdr, o, c) {
	hdr = 0
	for (b = 1; b <= 2; b++) for (m = 1; m <= 3; m++) {
		be = bes[b]; mix = mixes[m]
		if (!have("cost." be "." variant "." mix)) continue
		if (!hdr++) {
			printf "%s", title
			printf "%-7s %-16s %10s %10s %7s\n", "backend", "flow mix", oname, vname, "diff"
		}
		o = delta(be, "ours", mix); c = delta(be, variant, mix)
		printf "%-7s %-16s %10s %10s %7s%s\n", be, nm[mix], sgn(o), sgn(c),
			(o != "" && c != "") ? sprintf("%+.0f", c - o) : "-",
			(rule && mix == "new" && o != "" && c != "") ? " " verdict(c < o) : ""
	}
}
function delta(be, rule, mix,   a, b) {
	a = get("cost." be "." rule "." mix); b = base(be, rule, mix)
	if (a == "" || b == "") return ""
	return a - b
}
# The same for the 64-possible-CPU boot (cpus64.* results).
function delta64(be, rule, mix,   a, b) {
	a = get("cpus64." be "." rule "." mix)
	b = have("cpus64." be "." rule "-mark." mix) ? get("cpus64." be "." rule "-mark." mix) : get("cpus64." be ".mark." mix)
	if (a == "" || b == "") return ""
	return a - b
}
function sgn(x) { return x == "" ? "-" : sprintf("%+.0f", x) }
function verdict(ok) { return ok ? "met" : "MISSED" }
# ab(BASE, CUR): "CUR/BASE" and a flag when outside 1 +- tol
function ab(b, c) {
	if (b == "" || c == "" || b <= 0) return "-"
	return sprintf("%.3f %s", c / b, (c / b > 1 + tol || c / b < 1 - tol) ? "OUTSIDE" : "ok")
}
{ r[$1] = $2 }
END {
	while ((getline line < info) > 0) {
		split(line, w, " ")
		if (w[1] == "flows") flows = w[2]
		if (w[1] == "base") { baseref = w[2]; sub(/:$/, "", baseref) }
		infos = infos "  " line "\n"
	}
	printf "ipt_NETFLOW benchmark (tests/bench, docs/PERFORMANCE.md)\n%s\n", infos
	nm["1"] = "1 flow"; nm["65536"] = "65,536 flows"; nm["new"] = "new flow/packet"
	split("1 65536 new", mixes, " ")
	split("legacy nft", bes, " ")
	printf "Per-packet cost: guest instructions per forwarded 60-byte UDP packet (QEMU -icount shift=0),\n"
	printf "median of the runs; NETFLOW columns are the added instructions over -j MARK in the same chain,\n"
	printf "measured right after the NETFLOW rule with its module still loaded (tests/bench/guest/10-cost.sh).\n"
	printf "Target: ours <= 0.5 x original at its best.\n\n"
	printf "%-7s %-16s %7s %7s %6s | %7s %9s %9s | %9s %9s %s\n", "backend", "flow mix", "path", "+chain",
		"+MARK", "ours", "orig DKMS", "orig best", "ours/best", "ours/DKMS", "target"
	for (b = 1; b <= 2; b++) for (m = 1; m <= 3; m++) {
		be = bes[b]; mix = mixes[m]
		if (!have("cost." be ".mark." mix)) continue
		none = get("cost." be ".none." mix); empty = get("cost." be ".empty." mix)
		mark = get("cost." be ".mark." mix)
		chain = (none != "" && empty != "") ? sprintf("%+.0f", empty - none) : "-"
		markd = (empty != "") ? sprintf("%+.0f", mark - empty) : "-"
		o = delta(be, "ours", mix); d = delta(be, "dkms", mix); s = delta(be, "best", mix)
		rb = (o != "" && s > 0) ? sprintf("%.2f", o / s) : "-"
		rd = (o != "" && d > 0) ? sprintf("%.2f", o / d) : "-"
		tg = (rb == "-") ? "-" : verdict(o <= 0.5 * s)
		printf "%-7s %-16s %7s %7s %6s | %7s %9s %9s | %9s %9s %s\n", be, nm[mix],
			(none != "" ? sprintf("%.0f", none) : "-"), chain, markd, sgn(o), sgn(d), sgn(s), rb, rd, tg
	}
	printf "\n(path: no FORWARD table; +chain: an empty FORWARD chain; +MARK: -j MARK over the empty chain.\n"
	printf " Published for the original on 6.1.0-56 over -j MARK: DKMS +622/+1035/+1225, best +488/+749/+1010.)\n"
	hdr = 0
	for (b = 1; b <= 2; b++) for (m = 1; m <= 3; m++) {
		be = bes[b]; mix = mixes[m]
		if (!have("cost." be ".base." mix)) continue
		if (!hdr++) {
			printf "\nBase vs current (base: ours built from %s): instructions per packet added over -j MARK,\n", baseref
			printf "each over the MARK measured right after it; the medians with MARK in brackets.\n"
			printf "Rule: current within +-%.0f %% of base.\n\n", tol * 100
			printf "%-7s %-16s %18s %18s %7s %s\n", "backend", "flow mix", "base [MARK]", "current [MARK]", "diff", "current/base"
		}
		o = delta(be, "base", mix); c = delta(be, "ours", mix)
		printf "%-7s %-16s %18s %18s %7s %s\n", be, nm[mix],
			sprintf("%s [%.0f]", sgn(o), base(be, "base", mix)), sprintf("%s [%.0f]", sgn(c), base(be, "ours", mix)),
			(o != "" && c != "") ? sprintf("%+.0f", c - o) : "-", ab(o, c)
	}
	hdr = 0
	for (b = 1; b <= 2; b++) for (m = 1; m <= 3; m++) {
		if (!have("cost." bes[b] ".hooks." mixes[m])) continue
		if (!hdr++) {
			printf "\nHooks vs target (one load of ours, hooks=4: instructions per packet added over -j MARK with the\n"
			printf "FORWARD hook selecting nothing; the call of that hook is in the baseline of both):\n"
			printf "%-7s %-16s %10s %16s %14s %24s\n", "backend", "flow mix", "hook", "-j NETFLOW", "hook/target", "ours +MARK over base MARK"
		}
		h = get("cost." bes[b] ".hooks." mixes[m]) - get("cost." bes[b] ".hooks-mark." mixes[m])
		t = get("cost." bes[b] ".hooks-target." mixes[m]) - get("cost." bes[b] ".hooks-mark." mixes[m])
		c = get("cost." bes[b] ".hooks-mark." mixes[m]) - base(bes[b], "ours", mixes[m])
		printf "%-7s %-16s %10s %16s %14s %24s\n", bes[b], nm[mixes[m]], sgn(h), sgn(t),
			(t > 0) ? sprintf("%.2f %s", h / t, (h <= t) ? "ok" : "MORE") : "-", sgn(c)
	}
	hdr = 0
	for (b = 1; b <= 2; b++) for (m = 1; m <= 3; m++) {
		be = bes[b]; mix = mixes[m]
		if (!have("cpus64." be ".ours." mix)) continue
		if (!hdr++) {
			printf "\nOne CPU of 64 possible (boot 3, -smp 1,maxcpus=64: 64 per-CPU tables, every flow on one)\n"
			printf "vs one possible CPU (boot 1): instructions per packet added over -j MARK in each boot.\n"
			printf "Target: within 5 %% on every mix.\n\n"
			printf "%-7s %-16s %8s %12s %12s %s\n", "backend", "flow mix", "variant", "1 possible", "64 possible", "64/1"
		}
		split("base ours", vs, " ")
		for (v = 1; v <= 2; v++) {
			if (!have("cpus64." be "." vs[v] "." mix)) continue
			o = delta(be, vs[v], mix); c = delta64(be, vs[v], mix)
			printf "%-7s %-16s %8s %12s %12s %s\n", be, nm[mix], vs[v], sgn(o), sgn(c),
				(o > 0 && c != "") ? sprintf("%.3f %s", c / o, (c / o <= 1.05 ? "met" : "MISSED")) : "-"
		}
	}
	vs_ours("ours-hash", "hash:100", "unsampled", \
		"\nSampler: ours with sampler=hash:100 (a flow not chosen is never cached) vs ours unsampled,\n" \
		"instructions per packet added over -j MARK.  Rule: hash:100 below unsampled on the new-flow mix.\n\n", 1)
	vs_ours("ours-mpls", "mpls=3", "default", \
		"\nMPLS labels: ours with promisc_mpls=3 (records keep three labels; traffic without any) vs\n" \
		"ours as loaded by default, instructions per packet added over -j MARK (reported, no target).\n\n", 0)
	vs_ours("ours-l2", "mac+vlan+dir+phys", "default", \
		"\nLink-layer fields: ours with macaddress=1 vlan=1 direction=1 physdev=1 (MACs and tags are key) vs ours\n" \
		"as loaded by default, instructions per packet added over -j MARK (reported, no target).\n\n", 0)
	vs_ours("ours-mac", "macaddress=1", "default", \
		"\nEach link-layer field alone (run.sh --fields) vs ours as loaded by default, instructions per\n" \
		"packet added over -j MARK (reported, no target).\n\n", 0)
	vs_ours("ours-vlan", "vlan=1", "default", "", 0)
	vs_ours("ours-dir", "direction=1", "default", "", 0)
	vs_ours("ours-phys", "physdev=1", "default", "", 0)
	printf "\nRuns (instructions per packet): \n"
	for (b = 1; b <= 2; b++) for (m = 1; m <= 3; m++) {
		line = ""
		nr = split("none empty mark base base-mark ours ours-mark ours-hash ours-hash-mark ours-mpls ours-mpls-mark ours-l2 ours-l2-mark ours-mac ours-mac-mark ours-vlan ours-vlan-mark ours-dir ours-dir-mark ours-phys ours-phys-mark hooks hooks-mark hooks-target dkms dkms-mark best best-mark", rules, " ")
		for (i = 1; i <= nr; i++) {
			k = "cost." bes[b] "." rules[i] "." mixes[m] ".runs"
			if (have(k)) line = line sprintf(" %s=%s", rules[i], r[k])
		}
		if (line != "") printf "  %-6s %-16s%s\n", bes[b], nm[mixes[m]], line
	}
	hdr = 0
	for (b = 1; b <= 2; b++) for (m = 1; m <= 3; m++) {
		line = ""
		for (i = 1; i <= nr; i++) {
			k = "cost." bes[b] "." rules[i] "." mixes[m] ".other"
			if (have(k)) line = line sprintf(" %s=%s", rules[i], r[k])
		}
		if (line == "") continue
		if (!hdr++) printf "Elapsed minus the pktgen threads run time, per packet (other tasks during the runs; diagnostic):\n"
		printf "  %-6s %-16s%s\n", bes[b], nm[mixes[m]], line
	}
	hdr = 0
	for (b = 1; b <= 2; b++) {
		line = ""
		for (i = 1; i <= nr; i++) {
			k = "cost." bes[b] "." rules[i] ".new.first"
			if (have(k) && rules[i] !~ /^(none|empty|mark)$|-mark$/) line = line sprintf(" %s=%+.0f", rules[i], r[k] - base(bes[b], rules[i], "new"))
		}
		if (line == "") continue
		if (!hdr++) printf "New flow/packet, first (warm-up) run over the same MARK: ours takes the records of the flows\n" \
			"the earlier mixes exported, then goes to the slab (docs/PERFORMANCE.md):\n"
		printf "  %-6s%s\n", bes[b], line
	}

	printf "\nMemory per flow with %s flows cached (hashsize %s for both; objects from /proc/slabinfo\n", flows, get("mem.hashsize")
	printf "objsize x active objects, hash from /proc/net/stat/ipt_netflow): object + hash = all-in bytes.\n"
	printf "Targets: IPv4 <= 96, IPv6 <= 128 (ours).\n\n"
	printf "%-15s %-36s %-36s\n", "module", "IPv4", "IPv6"
	nv = split("base ours ours-mpls ours-l2 ours-mac ours-vlan ours-dir ours-phys best dkms", vs, " ")
	vn["base"] = "base"; vn["ours"] = "ours"; vn["ours-mpls"] = "ours mpls=3"; vn["ours-l2"] = "ours l2 fields"; vn["ours-mac"] = "ours mac"; vn["ours-vlan"] = "ours vlan"; vn["ours-dir"] = "ours direction"; vn["ours-phys"] = "ours physdev"; vn["best"] = "original best"; vn["dkms"] = "original DKMS"
	for (i = 1; i <= nv; i++) {
		v = vs[i]
		if (!have("mem." v ".4.total")) continue
		c4 = sprintf("%s + %s = %s", get("mem." v ".4.obj"), get("mem." v ".4.hash"), get("mem." v ".4.total"))
		c6 = have("mem." v ".6.total") ? sprintf("%s + %s = %s", get("mem." v ".6.obj"), get("mem." v ".6.hash"), get("mem." v ".6.total")) : "-"
		if (v == "ours") {
			c4 = c4 " (" verdict(get("mem.ours.4.total") <= 96) ")"
			if (have("mem.ours.6.total")) c6 = c6 " (" verdict(get("mem.ours.6.total") <= 128) ")"
		}
		printf "%-15s %-36s %-36s\n", vn[v], c4, c6
		if (get("mem." v ".4.flows") != flows || (have("mem." v ".6.flows") && get("mem." v ".6.flows") != flows))
			printf "%-15s   flows cached: IPv4 %s, IPv6 %s (expected %s)\n", "", get("mem." v ".4.flows"), get("mem." v ".6.flows"), flows
		printf "%-15s   counting whole slab pages: IPv4 %s, IPv6 %s\n", "", get("mem." v ".4.slabpages"), get("mem." v ".6.slabpages")
	}
	if (have("mem.base.4.total") && have("mem.ours.4.total"))
		printf "current/base (all-in, base: %s): IPv4 %s, IPv6 %s\n", baseref,
			ab(get("mem.base.4.total"), get("mem.ours.4.total")), ab(get("mem.base.6.total"), get("mem.ours.6.total"))

	printf "\nBurst: %s flows expire at once (flush=1) toward nfcapd -B 64 MiB on 127.0.0.1 (NetFlow v5).\n", flows
	printf "Target: records stored = flows, lost = 0 (ours).\n\n"
	printf "%-15s %9s %9s %7s %9s %12s %8s %s\n", "module", "flows", "exported", "lost", "records", "socket drops", "seconds", "target"
	for (i = 1; i <= nv; i++) {
		v = vs[i]
		if (!have("burst." v ".flows")) continue
		ok = get("burst." v ".records") == get("burst." v ".flows") && get("burst." v ".lost") == 0 && get("burst." v ".flows") == flows
		printf "%-15s %9s %9s %7s %9s %12s %8s %s\n", vn[v], get("burst." v ".flows"), get("burst." v ".exported"),
			get("burst." v ".lost"), get("burst." v ".records"), get("burst." v ".drops"), get("burst." v ".seconds"),
			v == "ours" ? verdict(ok) : ""
	}
}' "$OUT/results.txt"
