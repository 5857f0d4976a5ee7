// A minimal JSON reader for comparing the tool's output with bpftool's (objects, arrays, strings, numbers,
// booleans, null; no escapes beyond \" and \\, which neither tool emits in these documents otherwise).
#pragma once

#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ebpf::test {

struct Json {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool b = false;
  std::string s;  // string, or the number's text
  std::vector<Json> items;
  std::map<std::string, Json> fields;

  [[nodiscard]] const Json* get(const std::string& k) const {
    auto it = fields.find(k);
    return it == fields.end() ? nullptr : &it->second;
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : t_(text) {}
  std::optional<Json> parse() {
    auto v = value();
    ws();
    if (!v || i_ != t_.size()) return std::nullopt;
    return v;
  }

 private:
  void ws() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    ws();
    if (t_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  std::optional<std::string> str() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (i_ < t_.size() && t_[i_] != '"') {
      if (t_[i_] == '\\' && i_ + 1 < t_.size()) ++i_;
      out += t_[i_++];
    }
    if (i_ >= t_.size()) return std::nullopt;
    ++i_;
    return out;
  }
  std::optional<Json> value() {
    ws();
    if (i_ >= t_.size()) return std::nullopt;
    Json v;
    const char c = t_[i_];
    if (c == '{') {
      ++i_;
      v.kind = Json::Kind::object;
      if (eat('}')) return v;
      do {
        auto k = str();
        if (!k || !eat(':')) return std::nullopt;
        auto x = value();
        if (!x) return std::nullopt;
        v.fields.emplace(std::move(*k), std::move(*x));
      } while (eat(','));
      if (!eat('}')) return std::nullopt;
    } else if (c == '[') {
      ++i_;
      v.kind = Json::Kind::array;
      if (eat(']')) return v;
      do {
        auto x = value();
        if (!x) return std::nullopt;
        v.items.push_back(std::move(*x));
      } while (eat(','));
      if (!eat(']')) return std::nullopt;
    } else if (c == '"') {
      auto s = str();
      if (!s) return std::nullopt;
      v.kind = Json::Kind::string;
      v.s = std::move(*s);
    } else if (word("true")) {
      v.kind = Json::Kind::boolean;
      v.b = true;
    } else if (word("false")) {
      v.kind = Json::Kind::boolean;
    } else if (word("null")) {
      v.kind = Json::Kind::null;
    } else {
      v.kind = Json::Kind::number;
      while (i_ < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[i_])) || t_[i_] == '-' || t_[i_] == '.'))
        v.s += t_[i_++];
      if (v.s.empty()) return std::nullopt;
    }
    return v;
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace ebpf::test
