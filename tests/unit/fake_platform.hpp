// SPDX-License-Identifier: GPL-2.0
// Control over the userspace stand-in for the nfp_* platform services
// (tests/unit/platform_user.cpp).  Test code only: uses the standard library.
//
// Every test starts from fake::reset() state (a gtest listener in
// fake_reset_listener.cpp calls it before each test):
//   jiffies 0, HZ 250, wall clock default_wall_sec.0 advancing with jiffies,
//   nfp_clock_ns() 0, no datagrams recorded, nfp_send() returns 1 (no send
//   window, no pause counted), route
//   nexthop all-zero, no interfaces,
//   no allocation failures, random stream at its fixed seed, counters 0.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fake {

constexpr uint32_t hz = 250;
constexpr uint64_t default_wall_sec = 1700000000;	// 2023-11-14T22:13:20Z

void reset();

// ---- clocks ------------------------------------------------------------
// nfp_jiffies64() returns this.  The wall clock follows it: nfp_wallclock()
// is the last set_wallclock() value plus the jiffies elapsed since then
// (4 ms per jiffy).
void set_jiffies(uint64_t j);
void advance_jiffies(uint64_t delta);
uint64_t jiffies();
void set_wallclock(uint64_t sec, uint32_t nsec);
// nfp_clock_ns() (monotonic) is jiffies * 4 ms plus whatever
// advance_clock_ns() added, so busy times are deterministic.
void advance_clock_ns(uint64_t ns);

// ---- nfp_send ------------------------------------------------------------
std::vector<std::vector<uint8_t>> sent();	// copies of every datagram, in order
size_t sent_count();
void clear_sent();
// nfp_send()'s return value and *missed (-1: one when none took it, else 0)
void set_send_result(int destinations_taking_it, int missed = -1);
// A socket buffer the collector drains at each nfp_export_pause(): nfp_send()
// takes at most this many datagrams between two pauses and refuses (returns
// 0, records nothing) the rest.  -1 (after reset()): no limit.
void set_send_window(long datagrams);
size_t refused_count();
int pauses();			// nfp_export_pause() calls

// ---- nfp_packet_route ----------------------------------------------------
void set_route_nexthop(const uint8_t (&nexthop)[16]);
void set_route_nexthop_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
int route_calls();		// nfp_packet_route calls
int last_route_family();	// its family argument
void set_gso_tcp(bool on);	// what nfp_packet_gso_tcp() answers (false after reset())

// ---- nfp_interfaces -------------------------------------------------------
// What nfp_interfaces() reports (none after reset()); names and descriptions
// longer than the ABI's fields are cut.
struct Interface {
	uint32_t ifindex;
	std::string name;
	std::string description;
};
void set_interfaces(std::vector<Interface> list);

// ---- memory --------------------------------------------------------------
// The next n calls fail (return nullptr).  nfp_alloc failures only apply to
// NF_GFP_ATOMIC: plain operator new (NF_GFP_KERNEL, also used by gtest and
// the standard library once runtime.cpp replaces it) never fails here.
void fail_atomic_allocs(int n);
void fail_slab_allocs(int n);
void fail_large_allocs(int n);
long slab_objects_live();	// objects nfp_slab_alloc_bulk gave - nfp_slab_free, all slabs
long slabs_live();		// nfp_slab_create - nfp_slab_destroy
long large_allocs_live();	// nfp_alloc_large - nfp_free_large
int pool_refills();		// nfp_slab_alloc_bulk_unlocked calls
int pool_refills_locked();	// ... of which with the CPU's lock still held
void on_next_refill(std::function<void()> f);	// runs inside the next one, lock let go

// ---- random --------------------------------------------------------------
// Fixed seed unless NF_TEST_SEED is set in the environment (a number, or
// "random" for a seed from /dev/urandom, printed on stderr).
void seed_random(uint64_t seed);

// ---- locks, bug ----------------------------------------------------------
int cpu_lock_depth(unsigned cpu);	// lock - unlock for that cpu
void set_cpu_online(unsigned cpu, bool online);	// every CPU is online after reset()
int bug_count();			// nfp_bug calls (also printed)
std::string last_bug();

} // namespace fake
