// SmallMap: a map from a 64-bit key to a value kept in one reserved vector, for the few
// entries pack keeps per batch in flight (workers x max_batches_per_worker of them).
// Lookups scan linearly; erase moves the last entry into the hole (order is not kept, as
// with std::unordered_map). Nothing is allocated per insert or erase while the size stays
// within the reserved capacity, unlike a node-based map that allocates for every batch.
// Offers the part of the std::unordered_map interface the runtime uses.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace extpack::pack {

template <typename V> class SmallMap {
public:
  using value_type = std::pair<std::uint64_t, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  void reserve(std::size_t n) { items_.reserve(n); }

  [[nodiscard]] iterator find(std::uint64_t key) {
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (it->first == key) return it;
    }
    return items_.end();
  }
  [[nodiscard]] const_iterator find(std::uint64_t key) const {
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (it->first == key) return it;
    }
    return items_.end();
  }
  /// Inserts unless `key` is present; returns where it is and whether it was inserted.
  std::pair<iterator, bool> emplace(std::uint64_t key, V value) {
    if (auto it = find(key); it != items_.end()) return {it, false};
    items_.emplace_back(key, std::move(value));
    return {items_.end() - 1, true};
  }
  void erase(iterator it) {
    if (it != items_.end() - 1) *it = std::move(items_.back());
    items_.pop_back();
  }
  void clear() { items_.clear(); }

  [[nodiscard]] iterator begin() { return items_.begin(); }
  [[nodiscard]] iterator end() { return items_.end(); }
  [[nodiscard]] const_iterator begin() const { return items_.begin(); }
  [[nodiscard]] const_iterator end() const { return items_.end(); }
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] bool empty() const { return items_.empty(); }

private:
  std::vector<value_type> items_;
};

} // namespace extpack::pack
