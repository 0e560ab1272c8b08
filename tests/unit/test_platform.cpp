// SPDX-License-Identifier: GPL-2.0
// The userspace platform stand-in behaves as fake_platform.hpp promises.
#include <gtest/gtest.h>

#include <cstring>

#include "fake_platform.hpp"
#include "netflow/abi.h"

TEST(FakePlatform, ClocksStartAtZeroAndWallClockFollowsJiffies)
{
	EXPECT_EQ(nfp_jiffies64(), 0u);
	EXPECT_EQ(nfp_hz(), 250u);
	nf_u64 sec;
	nf_u32 nsec;
	nfp_wallclock(&sec, &nsec);
	EXPECT_EQ(sec, fake::default_wall_sec);
	EXPECT_EQ(nsec, 0u);

	fake::advance_jiffies(251);	// 1.004 s
	EXPECT_EQ(nfp_jiffies64(), 251u);
	nfp_wallclock(&sec, &nsec);
	EXPECT_EQ(sec, fake::default_wall_sec + 1);
	EXPECT_EQ(nsec, 4000000u);

	fake::set_wallclock(100, 999999999);
	nfp_wallclock(&sec, &nsec);
	EXPECT_EQ(sec, 100u);
	EXPECT_EQ(nsec, 999999999u);
	fake::advance_jiffies(1);
	nfp_wallclock(&sec, &nsec);
	EXPECT_EQ(sec, 101u);
	EXPECT_EQ(nsec, 3999999u);

	fake::set_jiffies(1000);
	EXPECT_EQ(fake::jiffies(), 1000u);
	EXPECT_EQ(nfp_clock_ns(), 4000000000u);
	fake::advance_clock_ns(5);
	EXPECT_EQ(nfp_clock_ns(), 4000000005u);
}

TEST(FakePlatform, SendRecordsDatagrams)
{
	const unsigned char a[] = {1, 2, 3};
	const unsigned char b[] = {4};
	int missed = -1;
	EXPECT_EQ(nfp_send(a, sizeof(a), &missed), 1);
	EXPECT_EQ(missed, 0);
	fake::set_send_result(0);
	EXPECT_EQ(nfp_send(b, sizeof(b), &missed), 0);
	EXPECT_EQ(missed, 1);
	auto sent = fake::sent();
	ASSERT_EQ(sent.size(), 2u);
	EXPECT_EQ(sent[0], (std::vector<uint8_t>{1, 2, 3}));
	EXPECT_EQ(sent[1], (std::vector<uint8_t>{4}));
	fake::clear_sent();
	EXPECT_EQ(fake::sent_count(), 0u);
}

TEST(FakePlatform, RandomIsReproducible)
{
	unsigned char x[13], y[13];
	nfp_random(x, sizeof(x));
	fake::reset();
	nfp_random(y, sizeof(y));
	EXPECT_EQ(0, std::memcmp(x, y, sizeof(x)));
	fake::seed_random(12345);
	nfp_random(y, sizeof(y));
	EXPECT_NE(0, std::memcmp(x, y, sizeof(x)));
}

namespace {

// One slab object, the way the core asks for them.
void* slab_alloc_one(void* slab)
{
	void* o = nullptr;
	nfp_slab_alloc_bulk(slab, 1, &o);
	return o;
}

} // namespace

TEST(FakePlatform, MemoryAndFailureInjection)
{
	void* p = nfp_alloc(16, NF_GFP_ATOMIC);
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(static_cast<unsigned char*>(p)[15], 0);	// zeroed
	nfp_free(p);
	fake::fail_atomic_allocs(1);
	EXPECT_EQ(nfp_alloc(16, NF_GFP_ATOMIC), nullptr);
	p = nfp_alloc(16, NF_GFP_ATOMIC);
	EXPECT_NE(p, nullptr);
	nfp_free(p);

	void* slab = nfp_slab_create("test", 40);
	EXPECT_EQ(fake::slabs_live(), 1);
	void* o = slab_alloc_one(slab);
	ASSERT_NE(o, nullptr);
	EXPECT_EQ(fake::slab_objects_live(), 1);
	fake::fail_slab_allocs(1);
	EXPECT_EQ(slab_alloc_one(slab), nullptr);
	nfp_slab_free(slab, o);
	EXPECT_EQ(fake::slab_objects_live(), 0);
	nfp_slab_destroy(slab);
	EXPECT_EQ(fake::slabs_live(), 0);

	void* big = nfp_alloc_large(1 << 20);
	ASSERT_NE(big, nullptr);
	EXPECT_EQ(fake::large_allocs_live(), 1);
	nfp_free_large(big);
	EXPECT_EQ(fake::large_allocs_live(), 0);
}

TEST(FakePlatform, RouteLocksAndBug)
{
	nf_route r;
	std::memset(&r, 0x77, sizeof(r));
	nfp_packet_route(nullptr, NF_FAMILY_IPV4, &r);
	EXPECT_EQ(r.nexthop[0], 0);
	EXPECT_EQ(fake::route_calls(), 1);
	EXPECT_EQ(fake::last_route_family(), NF_FAMILY_IPV4);
	fake::set_route_nexthop_v4(10, 0, 0, 1);
	nfp_packet_route(nullptr, NF_FAMILY_IPV6, &r);
	EXPECT_EQ(r.nexthop[0], 10);
	EXPECT_EQ(fake::last_route_family(), NF_FAMILY_IPV6);
	EXPECT_EQ(r.nexthop[3], 1);
	EXPECT_EQ(r.nexthop[4], 0);

	nfp_cpu_lock(3);
	EXPECT_EQ(fake::cpu_lock_depth(3), 1);
	nfp_cpu_unlock(3);
	EXPECT_EQ(fake::cpu_lock_depth(3), 0);

	EXPECT_EQ(fake::bug_count(), 0);
	nfp_bug("test bug");
	EXPECT_EQ(fake::bug_count(), 1);
	EXPECT_EQ(fake::last_bug(), "test bug");
}
