// A small streaming JSON writer for the tool's machine-readable output (no external dependency).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ebpfpp_cli {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(bool b);
  JsonWriter& null();
  [[nodiscard]] const std::string& str() const { return out_; }

  static void escape(std::string& out, std::string_view s);

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace ebpfpp_cli
