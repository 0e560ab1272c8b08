// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: a CPU's flow table resized incrementally while packets
// arrive and flows expire (kmod/core/flow/table.hpp), on the fake platform.
// Each input is a program for tests/common/table_ops.hpp: 5-byte records
// (operation byte, 32-bit argument) run against a fresh one-CPU core.
//
// Checks on top of ASan/UBSan: after every operation each hashed flow is in
// exactly one chain (none lost, none doubled, nothing stale chained); after
// a final flush the packets exported per flow equal the packets sent; the
// core leaves no allocation behind.
#include "common.hpp"
#include "core_defaults.hpp"
#include "table_ops.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	fake::reset();
	nfc_init_args args = default_init_args(1, 256);
	args.settings[NFC_INACTIVE_TIMEOUT] = 1;
	FUZZ_CHECK(nfc_init(&args) == 0);
	tableops::Program prog;
	for (size_t i = 0; i + 5 <= size && i < 5 * 1000; i += 5) {
		prog.step(data[i], fuzz::be32(data + i + 1));
		const std::string why = tableops::check_chains(0);
		FUZZ_CHECK(why.empty(), "operation %zu: %s", i / 5, why.c_str());
	}
	while (nfc_export(NFC_EXPORT_ALL, 0) == 0) {
	}
	FUZZ_CHECK(tableops::exported_packets() == prog.packets, "exported packets differ from the packets sent");
	nfc_exit();
	FUZZ_CHECK(fake::slab_objects_live() == 0 && fake::large_allocs_live() == 0, "leak");
	return 0;
}
