// SPDX-License-Identifier: GPL-2.0
// Puts the fake platform back to its defaults before every test, so no test
// sees another's clocks, datagrams or failure injections.
#include <gtest/gtest.h>

#include "fake_platform.hpp"

namespace {

class FakeReset : public ::testing::EmptyTestEventListener {
	void OnTestStart(const ::testing::TestInfo&) override { fake::reset(); }
};

const bool registered = [] {
	::testing::UnitTest::GetInstance()->listeners().Append(new FakeReset);
	return true;
}();

} // namespace
