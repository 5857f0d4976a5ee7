#pragma once
#include <expected>
namespace ebpf { template <class T, class E> using expected = std::expected<T, E>; using std::unexpected; }
