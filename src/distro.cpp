#include "rigc/distro.hpp"

#include <string>

namespace rigc {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Os os_of_base(std::string_view reference) {
  reference = reference.substr(0, reference.find('@'));
  // The repository's last path component and the tag: "docker.io/library/debian:12".
  const std::size_t slash = reference.rfind('/');
  std::string_view name = slash == std::string_view::npos ? reference : reference.substr(slash + 1);
  const std::size_t colon = name.find(':');
  const std::string_view tag = colon == std::string_view::npos ? "latest" : name.substr(colon + 1);
  name = name.substr(0, colon);
  if (name == "debian" && (starts_with(tag, "12") || starts_with(tag, "bookworm")))
    return Os::debian_12;
  if (name == "ubuntu" && (starts_with(tag, "24.04") || starts_with(tag, "noble")))
    return Os::ubuntu_24_04;
  if (tag.find("bookworm") != std::string_view::npos) return Os::debian_12;
  if (tag.find("noble") != std::string_view::npos) return Os::ubuntu_24_04;
  return Os::unknown;
}

bool has_shell(std::string_view reference) {
  if (reference == "scratch") return false;
  if (reference.find("distroless") == std::string_view::npos) return true;
  return reference.find(":debug") != std::string_view::npos;
}

Os parse_os(std::string_view name) {
  if (name == "debian-12") return Os::debian_12;
  if (name == "ubuntu-24.04") return Os::ubuntu_24_04;
  return Os::unknown;
}

const char* os_name(Os os) {
  switch (os) {
    case Os::debian_12:
      return "debian-12";
    case Os::ubuntu_24_04:
      return "ubuntu-24.04";
    case Os::unknown:
      break;
  }
  return "";
}

const char* image_os(Os os) {
  switch (os) {
    case Os::debian_12:
      return "debian12";
    case Os::ubuntu_24_04:
      return "ubuntu24";
    case Os::unknown:
      break;
  }
  return "";
}

}  // namespace rigc
