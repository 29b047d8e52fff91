// Readers of the statements of runner scale sets on Kubernetes (Actions Runner
// Controller, docs/kubernetes.md): scale bounds, the container mode, the work
// volume of the kubernetes mode, where the scale set registers and which secret it
// reads, and pod scheduling. Values are checked against Kubernetes' own syntax
// here (label keys and values, object names, taint effects), so that a values
// file rigc writes is never refused by the API server for a name.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "rigc/elaborate.hpp"
#include "src/elaborate_readers.hpp"
#include "src/elaborate_values.hpp"

namespace rigc::elab {
namespace {

bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A DNS-1123 label: lowercase letters, digits and '-', alphanumeric at both ends,
// at most 63 characters.
bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

// A DNS-1123 subdomain: dot-separated labels, at most 253 characters (the names of
// Secrets, namespaces' objects, label key prefixes).
bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (std::size_t start = 0;;) {
    const std::size_t dot = s.find('.', start);
    if (!is_dns_label(s.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// The name part of a label key, and a label value when not empty: at most 63
// characters, alphanumeric at both ends, '-', '_' and '.' inside.
bool is_label_name(std::string_view s) {
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// A Kubernetes label key: [PREFIX/]NAME, PREFIX a DNS subdomain.
bool is_label_key(std::string_view s) {
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) return is_label_name(s);
  return is_dns_subdomain(s.substr(0, slash)) && is_label_name(s.substr(slash + 1));
}

bool is_label_value(std::string_view s) {
  return s.empty() || is_label_name(s);
}

// An argument as written: `KEY=VALUE` reads as a pair when KEY has no '/'.
std::optional<At<std::string>> raw(Args& a, const char* what) {
  const ast::Value* v = a.take(what, {ast::ValueKind::word, ast::ValueKind::pair});
  if (v == nullptr) return std::nullopt;
  if (v->quoted) {
    a.error(v->location, fmt::format("{} is written without quotes", what));
    return std::nullopt;
  }
  return At<std::string>{v->kind == ast::ValueKind::pair ? v->key + "=" + v->text : v->text,
                         v->location};
}

constexpr const char* kLabelRules =
    "a key is [PREFIX/]NAME and a value at most 63 letters, digits, '-', '_' and '.', starting "
    "and ending with a letter or digit";

std::optional<std::uint32_t> read_count(Args& a, const char* what) {
  auto n = a.word(what);
  if (!n) return std::nullopt;
  const auto value = parse_id(n->value);
  if (!value) {
    a.error(n->location, fmt::format("{} must be a whole number from 0 to 2147483647, not '{}'",
                                     what, n->value));
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<spec::Scale> read_scale(Args& a) {
  spec::Scale scale;
  scale.location = a.node().head.location;
  if (const ast::Value* v = a.peek()) scale.min_location = v->location;
  const auto min = read_count(a, "the minimum number of runners");
  if (!min) return std::nullopt;
  if (const ast::Value* v = a.peek()) scale.max_location = v->location;
  const auto max = read_count(a, "the maximum number of runners");
  if (!max) return std::nullopt;
  if (*min > *max) {
    a.error(scale.min_location,
            fmt::format("the minimum number of runners ({}) is more than the maximum ({}): 'scale "
                        "MIN MAX' needs MIN <= MAX",
                        *min, *max));
    return std::nullopt;
  }
  scale.min = *min;
  scale.max = *max;
  return scale;
}

std::optional<At<std::string>> read_container_mode(Args& a) {
  return read_choice(a, "container mode", {"none", "dind", "kubernetes", "kubernetes-novolume"});
}

std::optional<spec::WorkVolume> read_work_volume(Args& a) {
  spec::WorkVolume volume;
  volume.location = a.node().head.location;
  auto size = a.word("a size like 10G");
  if (!size) return std::nullopt;
  const auto bytes = parse_size(size->value);
  if (!bytes) {
    a.error(size->location,
            fmt::format("invalid size '{}'; expected a number of bytes with an optional unit "
                        "K, M, G, T or P (any case, optionally followed by B or iB), e.g. "
                        "10G, 10g or 10GiB",
                        size->value));
    return std::nullopt;
  }
  volume.size = size->value;
  volume.bytes = *bytes;
  volume.size_location = size->location;
  if (a.keyword("class")) {
    auto name = a.word("a storage class name");
    if (!name) return std::nullopt;
    if (!is_dns_subdomain(name->value)) {
      a.error(name->location,
              fmt::format("invalid storage class '{}': lowercase letters, digits, '-' and '.', "
                          "starting and ending with a letter or digit",
                          name->value));
      return std::nullopt;
    }
    volume.storage_class = name->value;
  }
  return volume;
}

std::optional<At<std::string>> read_github_url(Args& a) {
  auto v = a.word("a GitHub URL, https://github.com/ORG");
  if (!v) return std::nullopt;
  // https://HOST/ORG, https://HOST/OWNER/REPO or https://HOST/enterprises/NAME, as
  // the runner entrypoint reads RUNNER_URL.
  const std::string& url = v->value;
  const auto good_part = [](std::string_view p, bool host) {
    return !p.empty() && std::all_of(p.begin(), p.end(), [host](char c) {
      return alnum(c) || c == '-' || c == '.' || (host ? c == ':' : c == '_');
    });
  };
  bool ok = url.rfind("https://", 0) == 0;
  std::vector<std::string_view> parts;
  if (ok) {
    std::string_view rest(url);
    rest.remove_prefix(8);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    for (std::size_t start = 0;;) {
      const std::size_t slash = rest.find('/', start);
      parts.push_back(rest.substr(start, slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    ok = parts.size() >= 2 && parts.size() <= 3 && good_part(parts[0], true);
    for (std::size_t i = 1; ok && i < parts.size(); ++i)
      ok = good_part(parts[i], false);
  }
  if (!ok) {
    a.error(v->location, fmt::format("invalid GitHub URL '{}'; expected https://HOST/ORG, "
                                     "https://HOST/OWNER/REPO or https://HOST/enterprises/NAME",
                                     url));
    return std::nullopt;
  }
  return v;
}

std::optional<At<std::string>> read_github_secret(Args& a) {
  return a.word_if("a Kubernetes Secret name", is_dns_subdomain, [](const std::string& word) {
    return fmt::format(
        "invalid Secret name '{}': lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit, at most 253",
        word);
  });
}

std::optional<At<std::string>> read_arc_controller(Args& a) {
  auto v = a.word("NAMESPACE/SERVICEACCOUNT");
  if (!v) return std::nullopt;
  const std::size_t slash = v->value.find('/');
  if (slash == std::string::npos || !is_dns_label(v->value.substr(0, slash)) ||
      !is_dns_subdomain(v->value.substr(slash + 1))) {
    a.error(v->location,
            fmt::format("invalid controller service account '{}'; expected NAMESPACE/NAME, e.g. "
                        "arc-systems/arc-gha-rs-controller",
                        v->value));
    return std::nullopt;
  }
  return v;
}

void read_node_selector(Args& a, std::vector<spec::Pair>& out) {
  if (a.done()) a.take("a node label KEY=VALUE", {ast::ValueKind::pair});
  while (!a.done()) {
    auto v = raw(a, "a node label KEY=VALUE");
    if (!v) return;
    const std::size_t eq = v->value.find('=');
    const std::string key = v->value.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : v->value.substr(eq + 1);
    if (eq == std::string::npos || !is_label_key(key) || !is_label_value(value)) {
      a.error(v->location, fmt::format("invalid node selector '{}': KEY=VALUE, where {}", v->value,
                                       kLabelRules));
      return;
    }
    out.push_back({key, value, true, v->location});
  }
}

void read_tolerations(Args& a, std::vector<spec::Toleration>& out) {
  if (a.done()) a.take("a toleration KEY[=VALUE][:EFFECT]", {ast::ValueKind::word});
  const std::vector<std::string> effects = {"NoSchedule", "PreferNoSchedule", "NoExecute"};
  while (!a.done()) {
    auto v = raw(a, "a toleration KEY[=VALUE][:EFFECT]");
    if (!v) return;
    spec::Toleration t;
    t.location = v->location;
    std::string rest = v->value;
    const std::size_t colon = rest.rfind(':');
    if (colon != std::string::npos) {
      t.effect = rest.substr(colon + 1);
      rest.resize(colon);
      if (std::find(effects.begin(), effects.end(), t.effect) == effects.end()) {
        a.error(v->location, fmt::format("unknown taint effect '{}' in '{}'{}", t.effect, v->value,
                                         did_you_mean(t.effect, effects).empty()
                                             ? "; expected NoSchedule, PreferNoSchedule or "
                                               "NoExecute"
                                             : did_you_mean(t.effect, effects)));
        return;
      }
    }
    const std::size_t eq = rest.find('=');
    t.key = rest.substr(0, eq);
    if (eq != std::string::npos) {
      t.value = rest.substr(eq + 1);
      t.has_value = true;
    }
    if (!is_label_key(t.key) || !is_label_value(t.value)) {
      a.error(v->location, fmt::format("invalid toleration '{}': KEY[=VALUE][:EFFECT], where {}",
                                       v->value, kLabelRules));
      return;
    }
    out.push_back(t);
  }
}

}  // namespace rigc::elab
