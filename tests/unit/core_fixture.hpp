// SPDX-License-Identifier: GPL-2.0
// A fixture for tests that run a core of their own shape: start() (again)
// with a CPU count and hashsize; at the end the core is gone and nothing
// leaked, no nfp_bug(), no CPU lock left held.
#pragma once
#include <gtest/gtest.h>

#include "core/core.hpp"
#include "core_defaults.hpp"
#include "fake_platform.hpp"

class CoreFixture : public ::testing::Test {
protected:
	void start(uint32_t cpus, uint32_t hashsize)
	{
		if (netflow::g_core)
			nfc_exit();
		nr_cpus_ = cpus;
		const nfc_init_args a = default_init_args(cpus, hashsize);
		ASSERT_EQ(nfc_init(&a), 0);
	}
	void TearDown() override
	{
		if (netflow::g_core)
			nfc_exit();
		EXPECT_EQ(fake::slab_objects_live(), 0);
		EXPECT_EQ(fake::slabs_live(), 0);
		EXPECT_EQ(fake::large_allocs_live(), 0);
		EXPECT_EQ(fake::bug_count(), 0) << fake::last_bug();
		for (unsigned c = 0; c < nr_cpus_; c++)
			EXPECT_EQ(fake::cpu_lock_depth(c), 0) << c;
	}
	uint32_t nr_cpus_ = 0;
};
