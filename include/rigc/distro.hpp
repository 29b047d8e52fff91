#pragma once
/// The operating system release of a base image, as far as rigc can tell it from
/// the image reference (or as the spec's `os` statement says). Packs name apt
/// packages whose names differ between releases with `apt-for`; runners tell jobs
/// the release through ImageOS, as hosted runners do.

#include <string_view>

namespace rigc {

enum class Os { unknown, debian_12, ubuntu_24_04 };

/// The release of an image reference: debian:12 and debian:bookworm*, ubuntu:24.04
/// and ubuntu:noble*, and any image whose tag names bookworm or noble
/// (python:3.12-slim-bookworm, node:22-bookworm-slim); unknown otherwise.
Os os_of_base(std::string_view reference);

/// "debian-12" / "ubuntu-24.04" as the `os` statement spells them; unknown otherwise.
Os parse_os(std::string_view name);

/// The spelling parse_os reads; "" for unknown.
const char* os_name(Os os);

/// ImageOS as GitHub's hosted runners set it ("ubuntu24"), and "debian12".
const char* image_os(Os os);

/// What a base image is built on, as far as its reference tells: what installs
/// packages and creates users in it. rigc's images install with apt and create
/// their user with useradd, so only `debian` (and `unknown`, which is taken on
/// trust: a base of one's own, or one the `os` statement vouches for) can carry
/// them. Supported: Debian 12 and Ubuntu 24.04, and images built on them.
enum class BaseFamily {
  unknown,     ///< nothing in the reference says
  debian,      ///< Debian or Ubuntu (debian, ubuntu, or a tag naming a release of either)
  alpine,      ///< Alpine Linux (alpine, or a tag naming it: python:3.12-alpine): apk
  rpm,         ///< Fedora, CentOS, Rocky, Alma, Amazon Linux, UBI, Oracle Linux, openSUSE
  distroless,  ///< gcr.io/distroless/… and busybox: no package manager (nor, mostly, a shell)
  scratch,     ///< the empty image
};

/// The family of an image reference.
BaseFamily base_family(std::string_view reference);

/// How errors name a family: "Alpine Linux, which installs packages with apk".
const char* family_description(BaseFamily family);

/// The repository name of an image reference: its last path component, without
/// tag or digest ("docker.io/library/python:3.12-slim" -> "python").
std::string_view repository_name(std::string_view reference);
/// False for images known to have no shell: `scratch` and the distroless images
/// (gcr.io/distroless/…, but not their `debug` tags, which carry busybox).
bool has_shell(std::string_view reference);

/// The default base image of an application image and of a runner.
inline constexpr const char* kDefaultImageBase = "debian:bookworm-slim";
inline constexpr const char* kDefaultRunnerBase = "ubuntu:24.04";

}  // namespace rigc
