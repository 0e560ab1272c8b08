// SPDX-License-Identifier: GPL-2.0
// KB2 (crashes/README.md): options records written before an engine_id change
// go out under the new Observation Domain ID.  Build line in crashes/README.md.
#include <cstdio>
#include "netflow/abi.h"
#include "fake_platform.hpp"
int main() {
	fake::reset();
	nfc_init_args a{};
	a.nr_cpus = 1;
	// In settings.h order; hashsize 256, sndbuf 0, exportcpu -1.
	unsigned v[NFC_NR_SETTINGS] = {15, 1800, 0, 10, 0xffffffffu, 0, 1, 20, 30, 0, 256, 0, 0xffffffffu};
	for (int i = 0; i < NFC_NR_SETTINGS; i++) a.settings[i] = v[i];
	if (nfc_init(&a)) return 1;
	nfc_export(NFC_EXPORT_DUE, 0);          // options records written, message pending
	printf("after DUE: %zu datagrams\n", fake::sent_count());
	nfc_set(NFC_ENGINE_ID, 0);
	nfc_export(NFC_EXPORT_ALL, 0);
	for (auto& d : fake::sent()) {
		printf("datagram %zu bytes, header domain %02x%02x%02x%02x\n", d.size(), d[12], d[13], d[14], d[15]);
		for (size_t i = 0; i < d.size(); i++) printf("%02x%s", d[i], i % 32 == 31 ? "\n" : " ");
		printf("\n");
	}
	nfc_exit();
}
