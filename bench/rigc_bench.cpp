// The compiler's stages, one Google Benchmark each, over generated specs of
// several sizes: parse, elaborate, resolve, lower, validate, emit, check and
// write, and the whole in-memory compilation. Every benchmark reports the
// number of images (to divide by) and the peak heap it used above its inputs.
//
//   rigc_bench --specs DIR [--sizes 1,10,100] [--pack-sizes 10,100]
//              [Google Benchmark flags]
//
// DIR holds images-N.rig for each size (bench/gen_spec.py images N) and
// packs-P.rig for each pack-graph size (bench/gen_spec.py packs P): one image
// with P packs, for `packs.resolve` and `packs.compile`. Inputs of a stage are
// prepared once per spec, outside the timed loop.

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "rigc/compile.hpp"
#include "rigc/diff.hpp"
#include "rigc/elaborate.hpp"
#include "rigc/emit.hpp"
#include "rigc/lower.hpp"
#include "rigc/manifest.hpp"
#include "rigc/output.hpp"
#include "rigc/packs.hpp"
#include "rigc/parser.hpp"
#include "rigc/resolver.hpp"
#include "rigc/validate.hpp"

// --- Heap accounting ------------------------------------------------------
// Every operator new/delete of this process goes through these, so a stage's
// peak heap is the highest `g_heap_now` seen while it ran, minus what was live
// before it started. (The benchmark is single-threaded.)
namespace {
std::size_t g_heap_now = 0;
std::size_t g_heap_peak = 0;

void* counted_alloc(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  g_heap_now += malloc_usable_size(p);
  if (g_heap_now > g_heap_peak) g_heap_peak = g_heap_now;
  return p;
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  g_heap_now -= malloc_usable_size(p);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t size) {
  return counted_alloc(size);
}
void* operator new[](std::size_t size) {
  return counted_alloc(size);
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}

namespace {
namespace fs = std::filesystem;
using namespace rigc;

// Measures the peak heap above the level at construction.
class HeapPeak {
 public:
  HeapPeak() : base_(g_heap_now) { g_heap_peak = g_heap_now; }
  double megabytes() const { return static_cast<double>(g_heap_peak - base_) / 1e6; }

 private:
  std::size_t base_;
};

std::string g_specs_dir;
fs::path g_scratch;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "rigc_bench: %s\n", message.c_str());
  std::exit(2);
}

// The inputs of every stage for one spec, computed once: every stage's result of
// compiling it (module, decls, resolved, build, files), and more.
struct Prepared : Compilation {
  int images = 0;
  std::string name;  // "images-1000"
  Sources sources;
  std::uint32_t file = 0;
  std::vector<spec::PackDecl> library;  // the stock packs
  CompileOptions options;               // a spec "Rigfile" writing to docker/
  fs::path written;                     // an output directory that is up to date
};

void expect_clean(const Diagnostics& diagnostics, const Prepared& p, const char* stage) {
  if (!diagnostics.has_errors()) return;
  std::string text;
  for (const Diagnostic& d : diagnostics.all())
    text += render(d, p.sources, ErrorFormat::human);
  fail(p.name + ".rig fails to " + std::string(stage) + ":\n" + text);
}

// `kind` is "images" or "packs"; `size` the number of images or packs.
const Prepared& prepared(const std::string& kind, int size) {
  static std::map<std::string, std::unique_ptr<Prepared>> cache;
  const std::string name = kind + "-" + std::to_string(size);
  auto& slot = cache[name];
  if (slot) return *slot;
  slot = std::make_unique<Prepared>();
  Prepared& p = *slot;
  p.name = name;
  const std::string path = g_specs_dir + "/" + name + ".rig";
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path + " (generate it with bench/gen_spec.py " + kind + " N)");
  std::ostringstream text;
  text << in.rdbuf();
  Diagnostics diagnostics;
  p.library = load_packs({}, p.sources, diagnostics);
  expect_clean(diagnostics, p, "load the stock packs");
  p.file = p.sources.add("Rigfile", text.str());
  p.options.library = &p.library;
  static_cast<Compilation&>(p) = compile(p.sources, p.file, p.options, Stop::everything);
  expect_clean(p.diagnostics, p, "compile");
  p.images = static_cast<int>(p.resolved.images.size());
  p.written = g_scratch / ("written-" + name);
  write_outputs(p.written.string(), p.files, false, diagnostics);
  expect_clean(diagnostics, p, "write");
  if (!check_outputs(p.written.string(), p.files).clean()) fail("check after write is not clean");
  return p;
}

// Markers for counting instructions with Valgrind (run_bench.py --instructions
// runs `valgrind --tool=callgrind --toggle-collect=*timed_iterations*
// --dump-after=*benchmark_done*`): only the timed iterations are counted, and
// each benchmark's count goes to its own dump.
__attribute__((noinline)) void timed_iterations(benchmark::State& state,
                                                const std::function<void()>& step) {
  for (auto _ : state)
    step();
}

__attribute__((noinline)) void benchmark_done(benchmark::State& state) {
  benchmark::DoNotOptimize(state.iterations());
}

void finish(benchmark::State& state, const Prepared& p, const HeapPeak& heap) {
  state.counters["images"] = p.images;
  state.counters["packs"] = static_cast<double>(p.decls.packs.size());
  state.counters["heap_peak_MB"] = heap.megabytes();
  benchmark_done(state);
}

// Runs `step` once untimed (so the first timed iteration does not pay for
// faulting in memory the later ones reuse), then as Google Benchmark asks.
void run_stage(benchmark::State& state, const Prepared& p, const std::function<void()>& step) {
  step();
  HeapPeak heap;
  timed_iterations(state, step);
  finish(state, p, heap);
}

void bm_parse(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    Diagnostics diagnostics;
    ast::Module module = parse(p.sources, p.file, diagnostics);
    benchmark::DoNotOptimize(module);
  });
}

void bm_elaborate(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    Diagnostics diagnostics;
    spec::Module decls = elaborate(p.module, diagnostics);
    benchmark::DoNotOptimize(decls);
  });
}

// The stock packs: the same work for every spec, so measured once.
void bm_load_packs(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    Sources sources;
    Diagnostics diagnostics;
    std::vector<spec::PackDecl> packs = load_packs({}, sources, diagnostics);
    benchmark::DoNotOptimize(packs);
  });
}

void bm_resolve(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    Diagnostics diagnostics;
    Resolved resolved = resolve(p.decls, p.library, diagnostics);
    benchmark::DoNotOptimize(resolved);
  });
}

void bm_lower(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    Diagnostics diagnostics;
    ir::Build build = lower(p.resolved, p.options.lower, diagnostics);
    benchmark::DoNotOptimize(build);
  });
}

void bm_validate(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    Diagnostics diagnostics;
    validate(p.build, diagnostics);
    benchmark::DoNotOptimize(diagnostics);
  });
}

void bm_emit(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    std::vector<OutputFile> files = emit_all(p.build);
    files.insert(files.begin(), make_manifest(p.options.lower.spec_name, files));
    benchmark::DoNotOptimize(files);
  });
}

// One emitter alone, to see which output costs what.
void bm_emitter(benchmark::State& state, const Emitter* emitter, const std::string& kind,
                int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    std::vector<OutputFile> files;
    for (const ir::Image& image : p.build.images)
      emitter->emit_image(p.build, image, files);
    emitter->emit(p.build, files);
    benchmark::DoNotOptimize(files);
  });
}

// `rigc check` on an up-to-date directory: read and compare every file.
void bm_check(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  run_stage(state, p, [&] {
    CheckReport report = check_outputs(p.written.string(), p.files);
    benchmark::DoNotOptimize(report);
  });
}

// `rigc build` into an empty directory: every file written, synced and renamed.
void bm_write(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  const fs::path dir = g_scratch / ("fresh-" + p.name);
  HeapPeak heap;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(dir);
    state.ResumeTiming();
    Diagnostics diagnostics;
    WriteSummary summary = write_outputs(dir.string(), p.files, false, diagnostics);
    benchmark::DoNotOptimize(summary);
  }
  finish(state, p, heap);
  fs::remove_all(dir);
}

// Everything `rigc check` does before it touches the output directory: compile(),
// stock packs loaded, each stage's input freed once the next one ran.
void bm_compile(benchmark::State& state, const std::string& kind, int size) {
  const Prepared& p = prepared(kind, size);
  const std::string& text = p.sources.text(p.file);
  run_stage(state, p, [&] {
    Sources sources;
    const std::uint32_t file = sources.add("Rigfile", text);
    Compilation c = compile(sources, file, CompileOptions{}, Stop::files);
    benchmark::DoNotOptimize(c.files);
  });
}

std::vector<int> parse_sizes(const std::string& list) {
  std::vector<int> sizes;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const long n = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || n < 1) fail("bad --sizes entry '" + item + "'");
    sizes.push_back(static_cast<int>(n));
  }
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  // Keep freed memory mapped: otherwise every iteration of a large stage faults
  // its heap in again, and on a virtual machine with costly page faults that
  // would swamp the stage's own work (whole processes pay it, and are timed too).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest glibc accepts
  mallopt(M_TRIM_THRESHOLD, -1);
  std::vector<int> sizes = {1, 10, 100, 1000, 10000};
  std::vector<int> pack_sizes = {10, 100, 255};
  // Our own flags first; the rest goes to Google Benchmark.
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--specs" && i + 1 < argc) {
      g_specs_dir = argv[++i];
    } else if (arg == "--sizes" && i + 1 < argc) {
      sizes = parse_sizes(argv[++i]);
    } else if (arg == "--pack-sizes" && i + 1 < argc) {
      pack_sizes = parse_sizes(argv[++i]);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (g_specs_dir.empty()) {
    fail(
        "usage: rigc_bench --specs DIR [--sizes 1,10,100] [--pack-sizes 10,100] [benchmark flags]");
  }
  g_scratch = fs::temp_directory_path() / ("rigc-bench-" + std::to_string(::getpid()));
  fs::create_directories(g_scratch);

  const auto add = [](const std::string& name, auto stage, const std::string& kind, int size,
                      auto... extra) {
    benchmark::RegisterBenchmark((name + "/" + std::to_string(size)).c_str(), stage, extra..., kind,
                                 size)
        ->Unit(benchmark::kMicrosecond);
  };
  using Stage = void (*)(benchmark::State&, const std::string&, int);
  const std::vector<std::pair<const char*, Stage>> stages = {
      {"parse", bm_parse}, {"elaborate", bm_elaborate}, {"resolve", bm_resolve},
      {"lower", bm_lower}, {"validate", bm_validate},   {"emit", bm_emit},
      {"check", bm_check}, {"write", bm_write},         {"compile", bm_compile}};
  add("load_packs", bm_load_packs, "images", sizes.front());
  for (const auto& [name, stage] : stages) {
    for (const int n : sizes)
      add(name, stage, "images", n);
  }
  for (const Emitter* emitter : emitters()) {
    for (const int n : sizes)
      add(std::string("emit:") + emitter->name(), bm_emitter, "images", n, emitter);
  }
  // One image with P packs: resolution and the whole compilation.
  for (const int p : pack_sizes) {
    add("packs.resolve", bm_resolve, "packs", p);
    add("packs.compile", bm_compile, "packs", p);
  }
  int count = static_cast<int>(rest.size());
  benchmark::Initialize(&count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(count, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(g_scratch);
  return 0;
}
