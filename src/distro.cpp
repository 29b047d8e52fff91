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

std::string_view repository_name(std::string_view reference) {
  reference = reference.substr(0, reference.find('@'));
  const std::size_t slash = reference.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? reference : reference.substr(slash + 1);
  return name.substr(0, name.find(':'));
}

BaseFamily base_family(std::string_view reference) {
  reference = reference.substr(0, reference.find('@'));
  if (reference == "scratch") return BaseFamily::scratch;
  const std::string_view name = repository_name(reference);
  // The tag is what follows a ':' after the last '/' (a registry port comes before).
  const std::size_t slash = reference.rfind('/');
  std::size_t colon = reference.rfind(':');
  if (colon != std::string_view::npos && slash != std::string_view::npos && colon < slash)
    colon = std::string_view::npos;
  const std::string_view path = reference.substr(0, colon);
  const std::string_view tag =
      colon == std::string_view::npos ? std::string_view("latest") : reference.substr(colon + 1);
  const auto has = [](std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
  };
  if (has(path, "distroless") || name == "busybox") return BaseFamily::distroless;
  if (name == "alpine" || has(tag, "alpine")) return BaseFamily::alpine;
  for (const char* rpm :
       {"fedora", "centos", "rockylinux", "almalinux", "amazonlinux", "oraclelinux", "ubi8", "ubi9",
        "ubi8-minimal", "ubi9-minimal", "ubi10", "ubi10-minimal", "photon"}) {
    if (name == rpm) return BaseFamily::rpm;
  }
  if (has(path, "opensuse/") || has(path, "suse/")) return BaseFamily::rpm;
  if (name == "debian" || name == "ubuntu" || os_of_base(reference) != Os::unknown)
    return BaseFamily::debian;
  for (const char* release : {"bookworm", "bullseye", "buster", "trixie", "noble", "jammy", "focal",
                              "oracular", "plucky"}) {
    if (has(tag, release)) return BaseFamily::debian;
  }
  return BaseFamily::unknown;
}

const char* family_description(BaseFamily family) {
  switch (family) {
    case BaseFamily::alpine:
      return "Alpine Linux, which installs packages with apk";
    case BaseFamily::rpm:
      return "an RPM-based distribution, which installs packages with dnf, yum or zypper";
    case BaseFamily::distroless:
      return "a distroless image, which has no package manager";
    case BaseFamily::scratch:
      return "the empty image, which has no shell and no package manager";
    case BaseFamily::debian:
    case BaseFamily::unknown:
      break;
  }
  return "";
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
