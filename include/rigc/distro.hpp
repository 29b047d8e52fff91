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

/// False for images known to have no shell: `scratch` and the distroless images
/// (gcr.io/distroless/…, but not their `debug` tags, which carry busybox).
bool has_shell(std::string_view reference);

/// The default base image of an application image and of a runner.
inline constexpr const char* kDefaultImageBase = "debian:bookworm-slim";
inline constexpr const char* kDefaultRunnerBase = "ubuntu:24.04";

}  // namespace rigc
