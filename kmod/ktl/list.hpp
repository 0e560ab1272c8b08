// SPDX-License-Identifier: GPL-2.0
// Intrusive doubly-linked list: the node lives inside the object, so moving a
// flow between lists never allocates.
#pragma once
#include "ktl/types.hpp"

namespace ktl {

struct ListNode {
	ListNode* next = this;
	ListNode* prev = this;

	bool linked() const { return next != this; }
	void unlink()
	{
		next->prev = prev;
		prev->next = next;
		next = prev = this;
	}
};

// T must derive from ListNode (one list membership per object).
template <typename T> class List {
public:
	List() = default;
	List(const List&) = delete;
	List& operator=(const List&) = delete;

	bool empty() const { return !head_.linked(); }
	T* front() const { return empty() ? nullptr : static_cast<T*>(head_.next); }
	T* back() const { return empty() ? nullptr : static_cast<T*>(head_.prev); }

	void push_back(T* item) { insert_before(&head_, item); }
	void push_front(T* item) { insert_before(head_.next, item); }
	static void remove(T* item) { static_cast<ListNode*>(item)->unlink(); }
	T* pop_front()
	{
		T* item = front();
		if (item)
			remove(item);
		return item;
	}

	class Iterator {
	public:
		explicit Iterator(ListNode* n) : n_(n) {}
		T* operator*() const { return static_cast<T*>(n_); }
		Iterator& operator++()
		{
			n_ = n_->next;
			return *this;
		}
		bool operator!=(const Iterator& o) const { return n_ != o.n_; }

	private:
		ListNode* n_;
	};
	Iterator begin() const { return Iterator(head_.next); }
	Iterator end() const { return Iterator(const_cast<ListNode*>(&head_)); }

private:
	static void insert_before(ListNode* pos, ListNode* n)
	{
		n->prev = pos->prev;
		n->next = pos;
		pos->prev->next = n;
		pos->prev = n;
	}
	ListNode head_;
};

} // namespace ktl
