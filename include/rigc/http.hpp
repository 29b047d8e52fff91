#pragma once
/// HTTP(S) downloads for `rigc pin`, through libcurl's easy interface. libcurl is
/// opened at run time, by the first request: every other command starts without
/// loading it and the thirty libraries it links (about 10 ms per process, several
/// times what compiling a spec takes). libcurl reads the usual proxy variables
/// (https_proxy, no_proxy, …) and the system's CA certificates.

#include <cstddef>
#include <cstdint>
#include <string>

namespace rigc::http {

/// What one GET returned. `ok` only for a 2xx answer after redirects; otherwise
/// `error` says why, in words fit for a message ("HTTP 404", "could not resolve
/// host", "larger than 64 MiB").
struct Response {
  bool ok = false;
  long status = 0;
  std::string error;
  std::string body;    ///< get_text: the document
  std::string sha256;  ///< get_sha256: the hex digest of the body
  std::uint64_t bytes = 0;
};

/// GETs `url` (http or https, redirects followed) into memory, refusing a body
/// over `max_bytes`.
Response get_text(const std::string& url, std::size_t max_bytes);

/// GETs `url` and hashes the body with SHA-256 as it arrives, keeping none of it.
Response get_sha256(const std::string& url);

/// Whether libcurl can be loaded; `why` says what is missing when it cannot.
bool available(std::string& why);

}  // namespace rigc::http
