// SPDX-License-Identifier: GPL-2.0
// Userspace stand-in for every nfp_* platform service of include/netflow/abi.h,
// for unit tests (and anything else that links the core in userspace).
// Controlled through fake_platform.hpp.  No gtest dependency here.
//
// operator new/delete are NOT defined here: kmod/core/runtime.cpp provides
// them (on top of nfp_alloc/nfp_free), and runtime_weak.cpp has weak
// fallbacks for the gfp forms in case it is absent.
#include "fake_platform.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <mutex>
#include <utility>

#include "netflow/abi.h"

namespace {

struct Slab {
	std::string name;
	size_t size;
};

struct State {
	std::mutex mu;
	std::set<unsigned> offline;	// CPUs nfp_cpu_online() says are not
	std::atomic<uint64_t> jiffies{0};
	uint64_t wall_sec = fake::default_wall_sec;
	uint32_t wall_nsec = 0;
	uint64_t wall_set_at = 0;	// jiffies when the wall clock was set
	std::vector<std::vector<uint8_t>> sent;
	int send_result = 1;
	int send_missed = -1;	// -1: one when none took it
	long send_window = -1;		// datagrams taken between two pauses; -1: any
	long window_used = 0;
	size_t refused = 0;
	int pauses = 0;
	uint8_t nexthop[16] = {};
	int route_family = 0;
	int route_calls = 0;
	bool gso_tcp = false;
	std::vector<fake::Interface> interfaces;
	std::atomic<uint64_t> clock_extra_ns{0};
	std::atomic<int> fail_atomic{0}, fail_slab{0}, fail_large{0};
	std::atomic<long> slab_objects{0}, slabs{0}, large{0};
	std::map<void*, void*> slab_of;	// live object -> its slab (under mu)
	uint64_t rng = 0;
	std::map<unsigned, int> lock_depth;
	int refills = 0, refills_locked = 0;
	std::function<void()> on_refill;
	int bugs = 0;
	std::string last_bug;
};

State& st()
{
	static State s;
	return s;
}

uint64_t initial_seed()
{
	static const uint64_t seed = [] {
		const char* env = std::getenv("NF_TEST_SEED");
		uint64_t s = 0x6e6574666c6f7721ull;	// fixed default
		if (env && std::strcmp(env, "random") == 0) {
			if (FILE* f = std::fopen("/dev/urandom", "rb")) {
				if (std::fread(&s, sizeof(s), 1, f) != 1)
					s ^= reinterpret_cast<uintptr_t>(&s);
				std::fclose(f);
			}
			std::fprintf(stderr, "[platform] NF_TEST_SEED=%llu\n", static_cast<unsigned long long>(s));
		} else if (env && *env) {
			s = std::strtoull(env, nullptr, 0);
		}
		return s;
	}();
	return seed;
}

// splitmix64
uint64_t next_random(uint64_t& x)
{
	uint64_t z = (x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

bool take_failure(std::atomic<int>& n)
{
	int cur = n.load();
	while (cur > 0)
		if (n.compare_exchange_weak(cur, cur - 1))
			return true;
	return false;
}

} // namespace

// ---- fake:: control API ---------------------------------------------------

namespace fake {

void reset()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.offline.clear();
	s.jiffies = 0;
	s.wall_sec = default_wall_sec;
	s.wall_nsec = 0;
	s.wall_set_at = 0;
	s.sent.clear();
	s.send_result = 1;
	s.send_missed = -1;
	s.send_window = -1;
	s.window_used = 0;
	s.refused = 0;
	s.pauses = 0;
	std::memset(s.nexthop, 0, sizeof(s.nexthop));
	s.route_family = 0;
	s.route_calls = 0;
	s.gso_tcp = false;
	s.interfaces.clear();
	s.clock_extra_ns = 0;
	s.fail_atomic = 0;
	s.fail_slab = 0;
	s.fail_large = 0;
	s.slab_objects = 0;
	s.slab_of.clear();
	s.slabs = 0;
	s.large = 0;
	s.rng = initial_seed();
	s.lock_depth.clear();
	s.refills = s.refills_locked = 0;
	s.on_refill = nullptr;
	s.bugs = 0;
	s.last_bug.clear();
}

void set_jiffies(uint64_t j) { st().jiffies = j; }
void advance_jiffies(uint64_t delta) { st().jiffies += delta; }
uint64_t jiffies() { return st().jiffies; }

void set_wallclock(uint64_t sec, uint32_t nsec)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.wall_sec = sec;
	s.wall_nsec = nsec;
	s.wall_set_at = s.jiffies;
}

std::vector<std::vector<uint8_t>> sent()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.sent;
}

size_t sent_count()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.sent.size();
}

void clear_sent()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.sent.clear();
}

void set_send_result(int n, int missed)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.send_result = n;
	s.send_missed = missed;
}

void set_send_window(long datagrams)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.send_window = datagrams;
	s.window_used = 0;
}

size_t refused_count()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.refused;
}

int pauses()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.pauses;
}

void set_route_nexthop(const uint8_t (&nexthop)[16])
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	std::memcpy(s.nexthop, nexthop, sizeof(s.nexthop));
}

void set_route_nexthop_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t nh[16] = {a, b, c, d};
	set_route_nexthop(nh);
}

int route_calls()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.route_calls;
}

void set_gso_tcp(bool on)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.gso_tcp = on;
}

int last_route_family()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.route_family;
}

void set_interfaces(std::vector<Interface> list)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.interfaces = std::move(list);
}

void advance_clock_ns(uint64_t ns) { st().clock_extra_ns += ns; }

void fail_atomic_allocs(int n) { st().fail_atomic = n; }
void fail_slab_allocs(int n) { st().fail_slab = n; }
void fail_large_allocs(int n) { st().fail_large = n; }
long slab_objects_live() { return st().slab_objects; }
long slabs_live() { return st().slabs; }
long large_allocs_live() { return st().large; }

void seed_random(uint64_t seed)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.rng = seed;
}

int pool_refills() { return st().refills; }
int pool_refills_locked() { return st().refills_locked; }
void on_next_refill(std::function<void()> f) { st().on_refill = std::move(f); }

void set_cpu_online(unsigned cpu, bool online)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	if (online)
		s.offline.erase(cpu);
	else
		s.offline.insert(cpu);
}

int cpu_lock_depth(unsigned cpu)
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	auto it = s.lock_depth.find(cpu);
	return it == s.lock_depth.end() ? 0 : it->second;
}

int bug_count()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.bugs;
}

std::string last_bug()
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.last_bug;
}

} // namespace fake

// ---- nfp_* -------------------------------------------------------------------

extern "C" {

void* nfp_alloc(nf_size size, int gfp) noexcept
{
	if (gfp == NF_GFP_ATOMIC && take_failure(st().fail_atomic))
		return nullptr;
	return std::calloc(1, size ? size : 1);
}

void nfp_free(void* p) noexcept { std::free(p); }

void* nfp_alloc_large(nf_size size) noexcept
{
	if (take_failure(st().fail_large))
		return nullptr;
	void* p = std::calloc(1, size ? size : 1);
	if (p)
		++st().large;
	return p;
}

void nfp_free_large(void* p) noexcept
{
	if (p)
		--st().large;
	std::free(p);
}

void* nfp_slab_create(const char* name, nf_size size) noexcept
{
	Slab* s = new Slab{name ? name : "", size};
	++st().slabs;
	return s;
}

void nfp_slab_destroy(void* slab) noexcept
{
	if (!slab)
		return;
	--st().slabs;
	delete static_cast<Slab*>(slab);
}

// One object, as kmem_cache_alloc() would give it.
static void* slab_alloc_one(void* slab)
{
	if (take_failure(st().fail_slab))
		return nullptr;
	const size_t size = static_cast<Slab*>(slab)->size;
	void* p = std::malloc(size ? size : 1);
	if (!p)
		return nullptr;
	// Not zeroed, like kmem_cache_alloc: a different junk byte each time,
	// so that a field left unset differs between two records.
	static std::atomic<uint8_t> junk{0xa5};
	std::memset(p, junk.fetch_add(0x3b), size);
	++st().slab_objects;
	{
		std::lock_guard<std::mutex> g(st().mu);
		st().slab_of[p] = slab;
	}
	return p;
}

nf_size nfp_slab_alloc_bulk(void* slab, nf_size n, void** out) noexcept
{
	// All or nothing, like kmem_cache_alloc_bulk().
	for (nf_size i = 0; i < n; i++) {
		out[i] = slab_alloc_one(slab);
		if (!out[i]) {
			while (i)
				nfp_slab_free(slab, out[--i]);
			return 0;
		}
	}
	return n;
}

// As the glue: the CPU's lock is let go around the allocation.
nf_size nfp_slab_alloc_bulk_unlocked(unsigned int cpu, void* slab, nf_size n, void** out) noexcept
{
	nfp_cpu_unlock(cpu);
	State& s = st();
	{
		std::lock_guard<std::mutex> g(s.mu);
		++s.refills;
		if (s.lock_depth[cpu] > 0)
			++s.refills_locked;
	}
	if (auto f = std::move(s.on_refill)) {
		s.on_refill = nullptr;
		f();	// what another CPU may do while the lock is let go
	}
	const nf_size got = nfp_slab_alloc_bulk(slab, n, out);
	nfp_cpu_lock(cpu);
	return got;
}

void nfp_slab_free(void* slab, void* obj) noexcept
{
	if (!obj)
		return;
	State& s = st();
	{
		// kmem_cache_free() into another cache corrupts both.
		std::lock_guard<std::mutex> g(s.mu);
		auto it = s.slab_of.find(obj);
		if (it == s.slab_of.end() || it->second != slab) {
			++s.bugs;
			s.last_bug = it == s.slab_of.end() ? "slab free of an unknown object" : "slab free into another slab";
		} else {
			s.slab_of.erase(it);
		}
	}
	--s.slab_objects;
	std::free(obj);
}

// The unit tests build cores of at most this many CPUs.
nf_u32 nfp_nr_cpu_ids() noexcept { return 64; }

void nfp_random(void* buf, nf_size len) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	auto* out = static_cast<uint8_t*>(buf);
	while (len) {
		const uint64_t r = next_random(s.rng);
		const size_t n = len < sizeof(r) ? len : sizeof(r);
		std::memcpy(out, &r, n);
		out += n;
		len -= n;
	}
}

int nfp_cpu_online(unsigned int cpu) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return !s.offline.count(cpu);
}

void nfp_cpu_lock(unsigned int cpu) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	++s.lock_depth[cpu];
}

void nfp_cpu_unlock(unsigned int cpu) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	--s.lock_depth[cpu];
}

int nfp_packet_gso_tcp(const void* skb) noexcept
{
	(void)skb;
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	return s.gso_tcp;
}

void nfp_packet_route(const void* skb, int family, struct nf_route* out) noexcept
{
	(void)skb;
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.route_family = family;
	s.route_calls++;
	std::memcpy(out->nexthop, s.nexthop, sizeof(out->nexthop));
}

nf_u32 nfp_interfaces(struct nf_ifinfo* out, nf_u32 cap) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	nf_u32 n = 0;
	for (const fake::Interface& i : s.interfaces) {
		if (n == cap)
			break;
		nf_ifinfo& o = out[n++];
		std::memset(&o, 0, sizeof(o));
		o.ifindex = i.ifindex;
		std::memcpy(o.name, i.name.data(), std::min(i.name.size(), sizeof(o.name) - 1));
		std::memcpy(o.description, i.description.data(),
			    std::min(i.description.size(), sizeof(o.description) - 1));
	}
	return n;
}

nf_u64 nfp_jiffies64(void) noexcept { return st().jiffies; }

nf_u32 nfp_hz(void) noexcept { return fake::hz; }

// The glue sleeps a tick here; the fake collector has drained its socket.
void nfp_export_pause(void) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	s.pauses++;
	s.window_used = 0;
}

// The race windows are the kernel module's (tests/vm): closed here.
void nfp_race_window(enum nf_race_window) noexcept {}

nf_u64 nfp_clock_ns(void) noexcept
{
	State& s = st();
	return s.jiffies * (1000000000ull / fake::hz) + s.clock_extra_ns;
}

void nfp_wallclock(nf_u64* sec, nf_u32* nsec) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	const uint64_t elapsed_ns = (s.jiffies - s.wall_set_at) * (1000000000ull / fake::hz);
	const uint64_t total = s.wall_nsec + elapsed_ns;
	*sec = s.wall_sec + total / 1000000000ull;
	*nsec = static_cast<nf_u32>(total % 1000000000ull);
}

int nfp_send(const void* buf, nf_size len, int* missed) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	if (s.send_window >= 0 && s.window_used >= s.send_window) {
		s.refused++;	// a full socket buffer: not sent, not recorded
		*missed = 1;
		return 0;
	}
	s.window_used++;
	const auto* p = static_cast<const uint8_t*>(buf);
	s.sent.emplace_back(p, p + len);
	*missed = s.send_missed >= 0 ? s.send_missed : s.send_result ? 0 : 1;
	return s.send_result;
}

void nfp_bug(const char* what) noexcept
{
	State& s = st();
	std::lock_guard<std::mutex> g(s.mu);
	++s.bugs;
	s.last_bug = what ? what : "";
	std::fprintf(stderr, "[nf BUG] %s\n", what ? what : "(null)");
}

} // extern "C"

// Userspace has no concurrent packet path: nothing to wait for.
void nfp_synchronize(void) noexcept {}
void nfp_cond_resched(void) noexcept {}
