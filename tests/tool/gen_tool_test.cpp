// ebpfpp gen skeleton: options, output file, errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_tool.hpp"

namespace ebpf {
namespace {

using test::run_tool;

TEST(ToolGen, SkeletonToStdoutWithDefaultName) {
  auto r = run_tool("gen skeleton " + test::bpf_object("coll_globals").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("class coll_globals {"), std::string::npos);
  EXPECT_NE(r.out.find("#include <ebpf/skeleton/core.hpp>"), std::string::npos);
  EXPECT_NE(r.out.find("struct bss_section {"), std::string::npos);
  EXPECT_NE(r.out.find("ebpf::Program write_globals;"), std::string::npos);
  EXPECT_EQ(r.out.find("namespace"), std::string::npos);
}

TEST(ToolGen, NameNamespaceAndOutputFile) {
  const auto out = std::filesystem::temp_directory_path() / ("ebpfpp-gen-" + std::to_string(::getpid()) + ".hpp");
  auto r = run_tool("gen skeleton " + test::bpf_object("skel_vars", "bpfeb").string() +
                    " --name vars --namespace app::bpf -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(r.out.empty()) << r.out;
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(out);
  const std::string h = text.str();
  EXPECT_NE(h.find("namespace app::bpf {"), std::string::npos);
  EXPECT_NE(h.find("class vars {"), std::string::npos);
  EXPECT_NE(h.find("std::endian::big"), std::string::npos);  // bitfield accessors and byte_order
  EXPECT_NE(h.find("ebpf::TypedMap<endpoint_t, record> records;"), std::string::npos);
  EXPECT_NE(h.find("std::int32_t class_;"), std::string::npos);  // a keyword gets a trailing '_'
  EXPECT_NE(h.find("vars::mode mode;"), std::string::npos);       // a member named like its type
}

TEST(ToolGen, Errors) {
  auto missing = run_tool("gen skeleton /nonexistent.o", true);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("/nonexistent.o"), std::string::npos) << missing.out;
  auto bad = run_tool("gen skeleton " + test::bpf_object("elf_bad_static_map").string(), true);
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  auto usage = run_tool("gen object out.o in.o", true);
  EXPECT_EQ(usage.exit_code, 2) << usage.out;
}

}  // namespace
}  // namespace ebpf
