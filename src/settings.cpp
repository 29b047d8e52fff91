// Merging and counting settings, written over spec::for_each_field: the overloads
// below say what each kind of member does (single value, list, targets), and the
// description says which members there are.
#include "rigc/settings.hpp"

#include <algorithm>

namespace rigc {
namespace {

template <typename T>
void merge(std::optional<T>& into, const std::optional<T>& over) {
  if (over) into = over;
}

template <typename T>
void merge(std::vector<T>& into, const std::vector<T>& over) {
  into.insert(into.end(), over.begin(), over.end());
}

// A target of the same name is replaced as a whole, not merged.
void merge(std::vector<spec::Target>& into, const std::vector<spec::Target>& over) {
  for (const spec::Target& target : over) {
    auto it = std::find_if(into.begin(), into.end(), [&](const spec::Target& t) {
      return t.name.value == target.name.value;
    });
    if (it == into.end()) {
      into.push_back(target);
    } else {
      *it = target;
    }
  }
}

template <typename T>
std::size_t count(const std::optional<T>&) {
  return 0;
}

template <typename T>
std::size_t count(const std::vector<T>& list) {
  return list.size();
}

std::size_t count(const std::vector<spec::Deps>& deps) {
  std::size_t n = deps.size();
  for (const spec::Deps& d : deps)
    n += d.files.size();
  return n;
}

std::size_t count(const std::vector<spec::Target>& targets) {
  std::size_t n = targets.size();
  for (const spec::Target& t : targets)
    n += spec::list_values(t.settings);
  return n;
}

}  // namespace

void merge_settings(spec::Settings& into, const spec::Settings& over) {
  spec::for_each_field([&](const char*, auto member) { merge(into.*member, over.*member); });
}

std::size_t spec::list_values(const Settings& settings) {
  std::size_t n = 0;
  for_each_field([&](const char*, auto member) { n += count(settings.*member); });
  return n;
}

}  // namespace rigc
