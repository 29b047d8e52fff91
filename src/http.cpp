// libcurl, opened with dlopen: rigc links nothing of it, so only `rigc pin` pays
// for loading it. The functions are looked up once and called through pointers
// with the signatures of curl/curl.h (whose types and constants are used as is).
#include "rigc/http.hpp"

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#define OPENSSL_SUPPRESS_DEPRECATED
#include <fmt/format.h>
#include <openssl/sha.h>

#ifndef RIGC_VERSION
#define RIGC_VERSION "dev"
#endif

namespace rigc::http {
namespace {

struct Curl {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  std::string missing;  // why it could not be loaded, "" when it was
};

template <typename F>
bool bind(void* library, const char* name, F& slot) {
  slot = reinterpret_cast<F>(dlsym(library, name));
  return slot != nullptr;
}

// The OpenSSL build first (Debian's libcurl4), then the GnuTLS one (libcurl3-gnutls).
Curl load() {
  Curl curl;
  void* library = nullptr;
  for (const char* name : {"libcurl.so.4", "libcurl-gnutls.so.4"}) {
    library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library != nullptr) break;
  }
  if (library == nullptr) {
    curl.missing =
        "rigc pin needs libcurl (libcurl.so.4), which is not installed: apt-get "
        "install libcurl4";
    return curl;
  }
  const bool all = bind(library, "curl_global_init", curl.global_init) &&
                   bind(library, "curl_easy_init", curl.easy_init) &&
                   bind(library, "curl_easy_setopt", curl.easy_setopt) &&
                   bind(library, "curl_easy_perform", curl.easy_perform) &&
                   bind(library, "curl_easy_getinfo", curl.easy_getinfo) &&
                   bind(library, "curl_easy_cleanup", curl.easy_cleanup) &&
                   bind(library, "curl_easy_strerror", curl.easy_strerror);
  if (!all) {
    curl.missing = "the libcurl found lacks curl_easy_* functions";
    return curl;
  }
  curl.global_init(CURL_GLOBAL_DEFAULT);
  return curl;
}

const Curl& curl() {
  static const Curl loaded = load();
  return loaded;
}

// Where a transfer's bytes go: into the body (bounded) or through the hash.
struct Sink {
  std::string* body = nullptr;
  std::size_t max_bytes = 0;
  SHA256_CTX* hash = nullptr;
  std::uint64_t bytes = 0;
  bool too_large = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  Sink& sink = *static_cast<Sink*>(user);
  const std::size_t n = size * count;
  sink.bytes += n;
  if (sink.hash != nullptr) SHA256_Update(sink.hash, data, n);
  if (sink.body != nullptr) {
    if (sink.body->size() + n > sink.max_bytes) {
      sink.too_large = true;
      return 0;  // aborts the transfer
    }
    sink.body->append(data, n);
  }
  return n;
}

std::string hex(const unsigned char* digest) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 0xF];
  }
  return out;
}

// One GET. Redirects are followed (GitHub's release downloads are redirects),
// only http and https are spoken, and a stalled transfer gives up after a minute.
Response get(const std::string& url, Sink& sink) {
  Response response;
  const Curl& api = curl();
  if (!api.missing.empty()) {
    response.error = api.missing;
    return response;
  }
  CURL* handle = api.easy_init();
  if (handle == nullptr) {
    response.error = "libcurl could not start a transfer";
    return response;
  }
  char message[CURL_ERROR_SIZE] = {0};
  const std::string agent = std::string("rigc/") + RIGC_VERSION;
  api.easy_setopt(handle, CURLOPT_URL, url.c_str());
  api.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  api.easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
  api.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  api.easy_setopt(handle, CURLOPT_USERAGENT, agent.c_str());
  api.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 30L);
  api.easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  api.easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
  // Documents may come compressed; a download is hashed as the build's curl
  // receives it, byte for byte, so it asks for no encoding.
  if (sink.hash == nullptr) api.easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  api.easy_setopt(handle, CURLOPT_ERRORBUFFER, message);
  api.easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_data);
  api.easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
  const CURLcode code = api.easy_perform(handle);
  api.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  api.easy_cleanup(handle);
  response.bytes = sink.bytes;
  if (sink.too_large) {
    response.error = fmt::format("larger than {} MiB", sink.max_bytes >> 20);
  } else if (code != CURLE_OK) {
    response.error = message[0] != 0 ? message : api.easy_strerror(code);
  } else if (response.status < 200 || response.status > 299) {
    response.error = fmt::format("HTTP {}", response.status);
  } else {
    response.ok = true;
  }
  return response;
}

}  // namespace

bool available(std::string& why) {
  why = curl().missing;
  return why.empty();
}

Response get_text(const std::string& url, std::size_t max_bytes) {
  std::string body;
  Sink sink;
  sink.body = &body;
  sink.max_bytes = max_bytes;
  Response response = get(url, sink);
  if (response.ok) response.body = std::move(body);
  return response;
}

Response get_sha256(const std::string& url) {
  SHA256_CTX context;
  SHA256_Init(&context);
  Sink sink;
  sink.hash = &context;
  Response response = get(url, sink);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &context);
  if (response.ok) response.sha256 = hex(digest);
  return response;
}

}  // namespace rigc::http
