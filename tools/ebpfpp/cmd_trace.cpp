// `ebpfpp trace OBJECT [--map NAME] [--json] [--duration SECONDS]`: loads OBJECT, attaches every program whose
// section names its attach point (Collection::attach_all) and prints every record of its ring buffer and perf
// event array maps (or only --map NAME) until SIGINT/SIGTERM or --duration seconds.
//
// A record is printed decoded when its type is known, else as hex. The type of map M's records is, first, the
// struct or union the map declares as its value (`__type(value, struct event)` in `.maps`: the spec keeps that
// BTF type while the map is created with value size 0, as cilium does); else the struct (or union) that a global
// variable named `M_record` has, or points to: e.g. `const struct event *const events_record = 0;` next to the
// map (clang emits BTF only for types that a global, a map or a function signature uses).
//
// Text: `MAP: field=value ...` (perf maps: `MAP cpu N: ...`; lost samples: `MAP cpu N: lost K samples`).
// --json, one object per line: {"map":M,"size":N,"record":{...}} or {"map":M,"size":N,"data":"<hex>"}, with
// "cpu":N after "map" for perf maps; lost samples: {"map":M,"cpu":N,"lost":K}. Char arrays are strings (up to
// the first NUL), other arrays lists, enums their enumerator's name, pointers "0x..." strings.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/perf/reader.hpp"
#include "ebpf/ringbuf/reader.hpp"
#include "json_writer.hpp"

namespace ebpfpp_cli {
namespace {

namespace btf = ebpf::btf;

void append_hex(std::string& out, std::span<const std::byte> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::byte b : data) {
    out += kDigits[std::to_integer<unsigned>(b) >> 4];
    out += kDigits[std::to_integer<unsigned>(b) & 15];
  }
}

std::uint64_t load_uint(std::span<const std::byte> data, std::size_t size) {
  std::uint64_t v = 0;
  std::memcpy(&v, data.data(), std::min<std::size_t>(size, 8));  // the objects are little-endian (bpfel)
  return v;
}

std::int64_t sign_extend(std::uint64_t v, unsigned bits) {
  if (bits == 0 || bits >= 64) return static_cast<std::int64_t>(v);
  const std::uint64_t m = std::uint64_t{1} << (bits - 1);
  v &= (m << 1) - 1;
  return static_cast<std::int64_t>((v ^ m) - m);
}

// Formats the value of BTF type `id` held in `data` (which has at least its size) as text or JSON.
class Formatter {
 public:
  Formatter(const btf::Spec& spec, bool json) : spec_(spec), json_(json) {}

  void value(std::string& out, btf::TypeId id, std::span<const std::byte> data, int depth = 0) {
    auto t = spec_.resolve(id);
    if (!t || depth > 8) return raw(out, data);
    switch (t->kind()) {
      case btf::Kind::int_: {
        const auto info = t->int_info();
        const std::size_t size = t->size();
        if (size > 8 || data.size() < size) return raw(out, data.first(std::min(data.size(), size)));
        const std::uint64_t v = load_uint(data, size);
        if ((info.encoding & btf::kIntBool) != 0) {
          out += v != 0 ? "true" : "false";
        } else if ((info.encoding & btf::kIntSigned) != 0) {
          out += std::to_string(sign_extend(v, static_cast<unsigned>(size * 8)));
        } else {
          out += std::to_string(v);
        }
        return;
      }
      case btf::Kind::enum_:
      case btf::Kind::enum64: {
        const std::size_t size = t->size();
        if (size > 8 || data.size() < size) return raw(out, data);
        const std::uint64_t v = load_uint(data, size);
        for (std::size_t i = 0; i < t->vlen(); ++i) {
          auto e = t->enumerator(i);
          if ((e.value & (size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (size * 8)) - 1)) == v)
            return string(out, e.name);
        }
        out += std::to_string(v);
        return;
      }
      case btf::Kind::ptr: {
        if (data.size() < 8) return raw(out, data);
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(load_uint(data, 8)));
        return string(out, buf);
      }
      case btf::Kind::array: {
        const auto a = t->array();
        auto elem = spec_.resolve(a.elem);
        auto esize = spec_.size_of(a.elem);
        if (!elem || !esize || *esize == 0 || *esize * a.nelems > data.size()) return raw(out, data);
        if (elem->kind() == btf::Kind::int_ && *esize == 1) {  // char[]: a string up to the first NUL
          std::string_view s(reinterpret_cast<const char*>(data.data()), a.nelems);
          return string(out, s.substr(0, s.find('\0')));
        }
        out += '[';
        for (std::uint32_t i = 0; i < a.nelems; ++i) {
          if (i > 0) out += json_ ? "," : " ";
          value(out, a.elem, data.subspan(i * *esize, *esize), depth + 1);
        }
        out += ']';
        return;
      }
      case btf::Kind::struct_:
      case btf::Kind::union_: {
        if (data.size() < t->size()) return raw(out, data);
        const bool top = depth == 0 && !json_;
        if (!top) out += '{';
        for (std::size_t i = 0; i < t->vlen(); ++i) {
          const auto m = t->member(i);
          if (i > 0) out += json_ ? "," : " ";
          if (json_) {
            JsonWriter::escape(out, m.name);
            out += ':';
          } else {
            out += m.name;
            out += '=';
          }
          if (m.bitfield_size != 0 || m.bit_offset % 8 != 0) {
            // Bitfields: the bits from the containing bytes (little-endian).
            const std::size_t first = m.bit_offset / 8;
            std::uint64_t v = load_uint(data.subspan(first), std::min<std::size_t>(8, data.size() - first));
            v >>= m.bit_offset % 8;
            const unsigned bits = m.bitfield_size != 0 ? m.bitfield_size : 64;
            if (bits < 64) v &= (std::uint64_t{1} << bits) - 1;
            out += std::to_string(v);
            continue;
          }
          auto msize = spec_.size_of(m.type);
          const std::size_t off = m.bit_offset / 8;
          if (!msize || off + *msize > data.size()) {
            out += json_ ? "null" : "?";
            continue;
          }
          value(out, m.type, data.subspan(off, *msize), depth + 1);
        }
        if (!top) out += '}';
        return;
      }
      default:
        return raw(out, data);
    }
  }

 private:
  void string(std::string& out, std::string_view s) { JsonWriter::escape(out, s); }  // quotes included
  void raw(std::string& out, std::span<const std::byte> data) {
    out += '"';
    append_hex(out, data);
    out += '"';
  }

  const btf::Spec& spec_;
  bool json_;
};

// One traced map: its reader and how its records print.
struct Traced {
  std::string name;
  btf::TypeId record_type = 0;
  std::uint64_t record_size = 0;
  std::unique_ptr<ebpf::ringbuf::Reader> ring;
  std::unique_ptr<ebpf::perf::Reader> perf;
};

// The rule in the header comment: a global `<map>_record` of (pointer to) struct or union type.
btf::TypeId record_type_for(const btf::Spec& spec, const std::string& map) {
  auto var = spec.find(map + "_record", btf::Kind::var);
  if (!var) return 0;
  auto t = spec.resolve(var->ref());
  if (t && t->kind() == btf::Kind::ptr) t = spec.resolve(t->ref());
  if (!t || !t->is_struct_or_union()) return 0;
  return t->id();
}

// The map's declared value type, when it is a struct or union (through typedefs and qualifiers).
btf::TypeId declared_record_type(const btf::Spec& spec, btf::TypeId value_type) {
  if (value_type == 0) return 0;
  auto t = spec.resolve(value_type);
  if (!t || !t->is_struct_or_union()) return 0;
  return t->id();
}

void print_record(std::string& line, Formatter* fmt, const Traced& m, int cpu, std::span<const std::byte> rec,
                  bool json) {
  line.clear();
  const bool decoded = fmt != nullptr && m.record_type != 0 && rec.size() >= m.record_size;
  if (json) {
    line += "{\"map\":";
    JsonWriter::escape(line, m.name);
    if (cpu >= 0) line += ",\"cpu\":" + std::to_string(cpu);
    line += ",\"size\":" + std::to_string(rec.size());
    if (decoded) {
      line += ",\"record\":";
      fmt->value(line, m.record_type, rec.first(m.record_size));
    } else {
      line += ",\"data\":\"";
      append_hex(line, rec);
      line += '"';
    }
    line += "}\n";
  } else {
    line += m.name;
    if (cpu >= 0) line += " cpu " + std::to_string(cpu);
    line += ": ";
    if (decoded)
      fmt->value(line, m.record_type, rec.first(m.record_size));
    else
      append_hex(line, rec);
    line += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), stdout);
}

void print_lost(const Traced& m, int cpu, std::uint64_t lost, bool json) {
  if (json)
    std::printf("{\"map\":\"%s\",\"cpu\":%d,\"lost\":%llu}\n", m.name.c_str(), cpu, static_cast<unsigned long long>(lost));
  else
    std::printf("%s cpu %d: lost %llu samples\n", m.name.c_str(), cpu, static_cast<unsigned long long>(lost));
}

int run_trace(Args args) {
  ArgScanner scan(args, {"--json"}, {"--map", "--duration"});
  if (!scan.ok()) return usage_error("trace", scan.error());
  if (scan.positional().size() != 1) return usage_error("trace", "expects one OBJECT");
  double duration = -1;
  if (auto d = scan.option("--duration")) {
    auto [p, ec] = std::from_chars(d->data(), d->data() + d->size(), duration);
    if (ec != std::errc{} || p != d->data() + d->size() || duration < 0)
      return usage_error("trace", "--duration wants a number of seconds");
  }
  const bool json = scan.flag("--json");
  const auto only = scan.options("--map");

  // Signals arrive on a signalfd watched with the readers: Ctrl-C ends the loop and the destructors detach.
  // A shell starts background jobs with SIGINT ignored, and an ignored signal never reaches the signalfd.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ebpf::sys::Fd sigfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sigfd) return report(ebpf::Error::from_errno(errno, "trace: signalfd"));

  const std::string object(scan.positional()[0]);
  auto spec = ebpf::load_collection_spec(object);
  if (!spec) return report(spec.error());
  for (auto name : only)
    if (!spec->maps.contains(std::string(name)))
      return report(ebpf::Error::make(ebpf::errc::not_found, object + ": map " + std::string(name) + ": not found"));
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) return report(coll.error().with_context(object));

  std::vector<Traced> traced;
  for (const auto& [name, ms] : spec->maps) {
    if (ms.type != ebpf::MapType::ringbuf && ms.type != ebpf::MapType::perf_event_array) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    auto m = coll->map(name);
    if (!m) return report(m.error().with_context(object));
    Traced t;
    t.name = name;
    if (spec->btf != nullptr) {
      t.record_type = declared_record_type(*spec->btf, ms.value_type);
      if (t.record_type == 0) t.record_type = record_type_for(*spec->btf, name);
      if (t.record_type != 0) {
        auto size = spec->btf->size_of(t.record_type);
        if (size) t.record_size = *size; else t.record_type = 0;
      }
    }
    if (ms.type == ebpf::MapType::ringbuf) {
      auto r = ebpf::ringbuf::Reader::open(**m);
      if (!r) return report(r.error().with_context(object));
      t.ring = std::make_unique<ebpf::ringbuf::Reader>(std::move(*r));
    } else {
      auto r = ebpf::perf::Reader::open(**m);
      if (!r) return report(r.error().with_context(object));
      t.perf = std::make_unique<ebpf::perf::Reader>(std::move(*r));
    }
    traced.push_back(std::move(t));
  }
  if (traced.empty()) return report(ebpf::Error::make(ebpf::errc::not_found, object + ": no ring buffer or perf event array map to trace"));

  auto links = coll->attach_all();
  if (!links) return report(links.error().with_context(object));
  std::fprintf(stderr, "ebpfpp trace: %zu program(s) attached, %zu map(s) traced; Ctrl-C stops\n", links->size(),
               traced.size());

  ebpf::sys::Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  if (!ep) return report(ebpf::Error::from_errno(errno, "trace: epoll_create1"));
  auto watch = [&](int fd) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = fd;
    return ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &e) == 0;
  };
  if (!watch(sigfd.get())) return report(ebpf::Error::from_errno(errno, "trace: epoll_ctl"));
  for (const auto& t : traced)
    if (!watch(t.ring ? t.ring->epoll_fd() : t.perf->epoll_fd()))
      return report(ebpf::Error::from_errno(errno, "trace: epoll_ctl"));

  std::unique_ptr<Formatter> fmt;
  if (spec->btf != nullptr) fmt = std::make_unique<Formatter>(*spec->btf, json);
  std::string line;
  auto drain = [&] {
    for (const auto& t : traced) {
      if (t.ring) {
        t.ring->consume([&](std::span<const std::byte> rec) { print_record(line, fmt.get(), t, -1, rec, json); });
      } else {
        t.perf->consume([&](const ebpf::perf::Event& ev) {
          if (ev.lost != 0)
            print_lost(t, ev.cpu, ev.lost, json);
          else
            print_record(line, fmt.get(), t, ev.cpu, ev.sample, json);
        });
      }
    }
    std::fflush(stdout);
  };

  using clock = std::chrono::steady_clock;
  const auto end = duration < 0 ? clock::time_point::max()
                                : clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(duration));
  for (;;) {
    int ms = -1;
    if (end != clock::time_point::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - clock::now()).count();
      if (left <= 0) break;
      ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    epoll_event events[8];
    const int n = ::epoll_wait(ep.get(), events, 8, ms);
    if (n < 0 && errno != EINTR) return report(ebpf::Error::from_errno(errno, "trace: epoll_wait"));
    bool stop = false;
    for (int i = 0; i < n; ++i) stop = stop || events[i].data.fd == sigfd.get();
    drain();
    if (stop) break;
  }
  drain();
  links->clear();
  return 0;
}

const Registration reg{{"trace", "trace OBJECT [--map NAME] [--json] [--duration SECONDS]",
                        "load and attach a collection, print the records of its ring buffer and perf maps",
                        run_trace}};

}  // namespace
}  // namespace ebpfpp_cli
