// ebpf::expected: the std::expected alias (where the standard library has one)
// and the polyfill in ebpf::detail, which is always compiled. The typed tests
// run against every implementation available to the compiler: the polyfill
// always, std::expected too when libstdc++ enables it.
#include "ebpf/detail/expected.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

// ---------------------------------------------------------------------------------------------
// Implementations under test

struct Polyfill {
  template <class T, class E>
  using expected = ebpf::detail::expected<T, E>;
  template <class E>
  using unexpected = ebpf::detail::unexpected<E>;
  static constexpr ebpf::detail::unexpect_t unexpect{};
};

#if defined(__cpp_lib_expected)
struct Std {
  template <class T, class E>
  using expected = std::expected<T, E>;
  template <class E>
  using unexpected = std::unexpected<E>;
  static constexpr std::unexpect_t unexpect{};
};
using Implementations = ::testing::Types<Polyfill, Std>;
#else
using Implementations = ::testing::Types<Polyfill>;
#endif

class ImplName {
 public:
  template <class I>
  static std::string GetName(int) {
    return std::is_same_v<I, Polyfill> ? "Polyfill" : "Std";
  }
};

// libstdc++ 12 ships std::expected (__cpp_lib_expected 202202L) without the
// monadic operations (and_then, transform, or_else, transform_error: 202211L,
// libstdc++ 13). The polyfill has them.
template <class I>
constexpr bool kHasMonadic = std::is_same_v<I, Polyfill>
#if defined(__cpp_lib_expected) && __cpp_lib_expected >= 202211L
                             || true
#endif
    ;

#define SKIP_WITHOUT_MONADIC() if constexpr (kHasMonadic<TypeParam>)

template <class I, class T, class E>
using Ex = typename I::template expected<T, E>;
template <class I, class E>
using Unex = typename I::template unexpected<E>;

// Longer than any small-string buffer, so copies and moves really allocate /
// steal.
const std::string kLong = "a string long enough to live on the heap, not in the SSO buffer";
const std::string kErr = "an error message long enough to live on the heap as well, too";

// Counts live objects so tests can show nothing leaks and nothing is destroyed
// twice.
struct Counted {
  static inline int constructed = 0;
  static inline int destroyed = 0;
  static int live() { return constructed - destroyed; }
  static void reset() { constructed = destroyed = 0; }

  int v = 0;
  bool alive = true;

  Counted() noexcept { ++constructed; }
  explicit Counted(int x) noexcept : v(x) { ++constructed; }
  Counted(const Counted& o) noexcept : v(o.v) { ++constructed; }
  Counted(Counted&& o) noexcept : v(o.v) {
    o.v = -1;
    ++constructed;
  }
  Counted& operator=(const Counted& o) {
    v = o.v;
    return *this;
  }
  Counted& operator=(Counted&& o) noexcept {
    v = o.v;
    o.v = -1;
    return *this;
  }
  ~Counted() {
    // A second destruction of the same object would trip this (and valgrind).
    EXPECT_TRUE(alive) << "double destroy";
    alive = false;
    ++destroyed;
  }
};

template <class I>
class ExpectedTest : public ::testing::Test {
 protected:
  void SetUp() override { Counted::reset(); }
  void TearDown() override { EXPECT_EQ(Counted::live(), 0) << "leaked or double-destroyed"; }
};
TYPED_TEST_SUITE(ExpectedTest, Implementations, ImplName);

// The monadic operations run against every implementation that has them (see kHasMonadic).
template <class I>
class ExpectedMonadicTest : public ExpectedTest<I> {};
#if defined(__cpp_lib_expected) && __cpp_lib_expected >= 202211L
using MonadicImplementations = Implementations;
#else
using MonadicImplementations = ::testing::Types<Polyfill>;
#endif
TYPED_TEST_SUITE(ExpectedMonadicTest, MonadicImplementations, ImplName);

// ---------------------------------------------------------------------------------------------
// States and observers

TYPED_TEST(ExpectedTest, ValueState) {
  using E = Ex<TypeParam, int, std::string>;
  E e = 42;
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(static_cast<bool>(e));
  EXPECT_EQ(*e, 42);
  EXPECT_EQ(e.value(), 42);
  EXPECT_EQ(e.value_or(7), 42);
  EXPECT_TRUE(e == 42);
  EXPECT_FALSE(e == 43);
  EXPECT_FALSE((e == Unex<TypeParam, std::string>(kErr)));
  *e = 5;
  EXPECT_EQ(e.value(), 5);
  static_assert(!std::is_convertible_v<E, bool>, "operator bool must be explicit");
}

TYPED_TEST(ExpectedTest, ErrorState) {
  using E = Ex<TypeParam, int, std::string>;
  E e = Unex<TypeParam, std::string>(kErr);
  ASSERT_FALSE(e.has_value());
  EXPECT_FALSE(static_cast<bool>(e));
  EXPECT_EQ(e.error(), kErr);
  EXPECT_EQ(e.value_or(7), 7);
  EXPECT_TRUE((e == Unex<TypeParam, std::string>(kErr)));
  EXPECT_FALSE((e == Unex<TypeParam, std::string>("other")));
  EXPECT_FALSE(e == 7);
  e.error() += "!";
  EXPECT_EQ(e.error(), kErr + "!");
}

TYPED_TEST(ExpectedTest, DefaultConstructionValueInitialises) {
  Ex<TypeParam, int, std::string> i;
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(*i, 0);
  Ex<TypeParam, std::string, int> s;
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->empty());
}

TYPED_TEST(ExpectedTest, ConvertingAndInPlaceConstruction) {
  Ex<TypeParam, std::string, int> fromLiteral = "literal";  // const char* -> std::string
  EXPECT_EQ(*fromLiteral, "literal");

  // unexpected<G> with G convertible to E, both const& and &&.
  const Unex<TypeParam, const char*> cu("c-string error");
  Ex<TypeParam, int, std::string> fromConstUnex = cu;
  EXPECT_EQ(fromConstUnex.error(), "c-string error");
  Ex<TypeParam, int, std::string> fromRvalueUnex = Unex<TypeParam, std::string>(kErr);
  EXPECT_EQ(fromRvalueUnex.error(), kErr);

  Ex<TypeParam, std::vector<int>, int> inPlace(std::in_place, 3u, 9);
  EXPECT_EQ(*inPlace, (std::vector<int>{9, 9, 9}));
  Ex<TypeParam, int, std::string> unexpectPlace(TypeParam::unexpect, 4u, 'x');
  EXPECT_EQ(unexpectPlace.error(), "xxxx");
}

TYPED_TEST(ExpectedTest, RefQualifiedAccessors) {
  using E = Ex<TypeParam, std::string, std::string>;
  static_assert(std::is_same_v<decltype(*std::declval<E&>()), std::string&>);
  static_assert(std::is_same_v<decltype(*std::declval<const E&>()), const std::string&>);
  static_assert(std::is_same_v<decltype(*std::declval<E&&>()), std::string&&>);
  static_assert(std::is_same_v<decltype(std::declval<E&>().error()), std::string&>);
  static_assert(std::is_same_v<decltype(std::declval<const E&>().error()), const std::string&>);
  static_assert(std::is_same_v<decltype(std::declval<E&&>().error()), std::string&&>);
  static_assert(std::is_same_v<decltype(std::declval<const E&&>().error()), const std::string&&>);
  static_assert(std::is_same_v<decltype(std::declval<E&&>().value()), std::string&&>);

  E v = kLong;
  std::string taken = *std::move(v);  // moves out of the value
  EXPECT_EQ(taken, kLong);
  E err = Unex<TypeParam, std::string>(kErr);
  std::string takenErr = std::move(err).error();
  EXPECT_EQ(takenErr, kErr);

  Unex<TypeParam, std::string> u(kErr);
  static_assert(std::is_same_v<decltype(std::move(u).error()), std::string&&>);
  std::string fromUnex = std::move(u).error();
  EXPECT_EQ(fromUnex, kErr);
}

// ---------------------------------------------------------------------------------------------
// Copies and moves

TYPED_TEST(ExpectedTest, CopyAndMoveStringValue) {
  using E = Ex<TypeParam, std::string, std::string>;
  E a = kLong;
  E b = a;  // copy
  EXPECT_EQ(*a, kLong);
  EXPECT_EQ(*b, kLong);
  E c = std::move(a);  // move: c owns the string now
  EXPECT_EQ(*c, kLong);
  EXPECT_TRUE(a.has_value());  // moved-from still holds a (moved-from) value

  E d = Unex<TypeParam, std::string>("x");
  d = b;  // copy-assign error <- value
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, kLong);
  E f = "short";
  f = std::move(c);  // move-assign value <- value
  EXPECT_EQ(*f, kLong);
  E& alias = f;
  f = alias;  // self copy-assignment keeps the value
  EXPECT_EQ(*f, kLong);
}

TYPED_TEST(ExpectedTest, CopyAndMoveStringError) {
  using E = Ex<TypeParam, std::string, std::string>;
  E a = Unex<TypeParam, std::string>(kErr);
  E b = a;
  EXPECT_EQ(a.error(), kErr);
  EXPECT_EQ(b.error(), kErr);
  E c = std::move(a);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error(), kErr);

  E d = kLong;
  d = b;  // copy-assign value <- error
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error(), kErr);
  E f = Unex<TypeParam, std::string>("short");
  f = std::move(c);  // move-assign error <- error
  EXPECT_EQ(f.error(), kErr);
}

TYPED_TEST(ExpectedTest, SharedPtrCopiesShareOwnership) {
  using E = Ex<TypeParam, std::shared_ptr<int>, std::string>;
  auto p = std::make_shared<int>(5);
  {
    E a = p;
    E b = a;
    EXPECT_EQ(p.use_count(), 3);
    b = Unex<TypeParam, std::string>(kErr);  // releases b's reference
    EXPECT_EQ(p.use_count(), 2);
    E c = std::move(a);
    EXPECT_EQ(p.use_count(), 2);
  }
  EXPECT_EQ(p.use_count(), 1);
}

TYPED_TEST(ExpectedTest, MoveOnlyValue) {
  using E = Ex<TypeParam, std::unique_ptr<int>, std::string>;
  static_assert(!std::is_copy_constructible_v<E>);
  static_assert(!std::is_copy_assignable_v<E>);
  static_assert(std::is_move_constructible_v<E>);
  static_assert(std::is_move_assignable_v<E>);

  E a = std::make_unique<int>(7);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(**a, 7);
  EXPECT_EQ(*a->get(), 7);

  E b = std::move(a);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(**b, 7);
  EXPECT_EQ(a->get(), nullptr);  // ownership moved

  E c = Unex<TypeParam, std::string>(kErr);
  c = std::move(b);  // error <- value
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(**c, 7);

  std::unique_ptr<int> out = std::move(c).value();
  EXPECT_EQ(*out, 7);
  EXPECT_EQ(c->get(), nullptr);

  E e = Unex<TypeParam, std::string>(kErr);
  e.emplace(new int(3));
  EXPECT_EQ(**e, 3);
}

TYPED_TEST(ExpectedMonadicTest, MoveOnlyValueThroughMonadicOperations) {
  SKIP_WITHOUT_MONADIC() {
    using E = Ex<TypeParam, std::unique_ptr<int>, std::string>;
    // transform / and_then on an rvalue move the unique_ptr into the function.
    E d = std::make_unique<int>(9);
    auto t = std::move(d).transform([](std::unique_ptr<int> p) { return *p + 1; });
    EXPECT_EQ(*t, 10);
    auto owned = E(std::make_unique<int>(2)).and_then([](std::unique_ptr<int> p) -> E {
      *p *= 21;
      return p;
    });
    EXPECT_EQ(**owned, 42);
    auto kept = std::move(owned).or_else([](std::string) -> E { return nullptr; });
    EXPECT_EQ(**kept, 42);
  }
}

// ---------------------------------------------------------------------------------------------
// void

TYPED_TEST(ExpectedTest, VoidSpecialisation) {
  using V = Ex<TypeParam, void, std::string>;
  V ok;
  EXPECT_TRUE(ok.has_value());
  ok.value();  // does not abort
  V err = Unex<TypeParam, std::string>(kErr);
  ASSERT_FALSE(err.has_value());
  EXPECT_EQ(err.error(), kErr);
  EXPECT_TRUE((err == Unex<TypeParam, std::string>(kErr)));
  EXPECT_FALSE((ok == Unex<TypeParam, std::string>(kErr)));
  EXPECT_TRUE(ok == V());
  EXPECT_FALSE(ok == err);

  V copy = err;
  EXPECT_EQ(copy.error(), kErr);
  V moved = std::move(copy);
  EXPECT_EQ(moved.error(), kErr);

  ok = err;  // value <- error
  ASSERT_FALSE(ok.has_value());
  EXPECT_EQ(ok.error(), kErr);
  ok.emplace();  // back to value
  EXPECT_TRUE(ok.has_value());
  err = V();  // error <- value
  EXPECT_TRUE(err.has_value());
  err = Unex<TypeParam, std::string>("again");
  EXPECT_EQ(err.error(), "again");
}

TYPED_TEST(ExpectedMonadicTest, VoidMonadicOperations) {
  SKIP_WITHOUT_MONADIC() {
    using V = Ex<TypeParam, void, std::string>;
    V ok;
    V err = Unex<TypeParam, std::string>("again");
    int calls = 0;
    auto chained = ok.and_then([&] {
                       ++calls;
                       return V();
                     }).transform([&] {
      ++calls;
      return 11;
    });
    static_assert(std::is_same_v<decltype(chained), Ex<TypeParam, int, std::string>>);
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(*chained, 11);

    auto skipped = err.and_then([&] {
      ++calls;
      return V();
    });
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(skipped.error(), "again");

    auto recovered = err.or_else([](const std::string& e) {
      return e == "again" ? V() : V(Unex<TypeParam, std::string>(e));
    });
    EXPECT_TRUE(recovered.has_value());

    auto sized = err.transform_error([](const std::string& e) { return e.size(); });
    static_assert(std::is_same_v<decltype(sized), Ex<TypeParam, void, std::size_t>>);
    EXPECT_EQ(sized.error(), 5u);
    EXPECT_TRUE(ok.transform_error([](const std::string& e) { return e.size(); }).has_value());
  }
}

TYPED_TEST(ExpectedTest, VoidWithCountedError) {
  using V = Ex<TypeParam, void, Counted>;
  {
    V a = Unex<TypeParam, Counted>(Counted(1));
    V b = a;
    EXPECT_EQ(Counted::live(), 2);
    b.emplace();  // destroys b's error
    EXPECT_EQ(Counted::live(), 1);
    a = b;  // error -> value
    EXPECT_EQ(Counted::live(), 0);
    a = Unex<TypeParam, Counted>(Counted(2));
    EXPECT_EQ(Counted::live(), 1);
    EXPECT_EQ(a.error().v, 2);
  }
  EXPECT_EQ(Counted::live(), 0);
}

// ---------------------------------------------------------------------------------------------
// Monadic operations

TYPED_TEST(ExpectedMonadicTest, AndThenTransformOrElseChains) {
  SKIP_WITHOUT_MONADIC() {
    using E = Ex<TypeParam, int, std::string>;
    auto parse = [](const std::string& s) -> Ex<TypeParam, int, std::string> {
      if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
        return Unex<TypeParam, std::string>("not a number: " + s);
      return std::stoi(s);
    };
    auto half = [](int v) -> E {
      if (v % 2 != 0) return Unex<TypeParam, std::string>("odd");
      return v / 2;
    };

    Ex<TypeParam, std::string, std::string> input = std::string("84");
    auto r =
        input.and_then(parse).and_then(half).transform([](int v) { return std::to_string(v); });
    static_assert(std::is_same_v<decltype(r), Ex<TypeParam, std::string, std::string>>);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, "42");

    auto odd = Ex<TypeParam, std::string, std::string>("7").and_then(parse).and_then(half);
    ASSERT_FALSE(odd.has_value());
    EXPECT_EQ(odd.error(), "odd");

    int transformCalls = 0;
    auto bad =
        Ex<TypeParam, std::string, std::string>("x1")
            .and_then(parse)
            .transform([&](int v) {
              ++transformCalls;
              return v;
            })
            .or_else([](const std::string& e) -> E {
              return e.rfind("not a number", 0) == 0 ? E(-1) : E(Unex<TypeParam, std::string>(e));
            });
    EXPECT_EQ(transformCalls, 0);  // skipped on error
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(*bad, -1);

    // or_else on a value passes the value through untouched.
    int orElseCalls = 0;
    auto passed = E(5).or_else([&](const std::string&) -> E {
      ++orElseCalls;
      return 0;
    });
    EXPECT_EQ(orElseCalls, 0);
    EXPECT_EQ(*passed, 5);

    // transform_error changes the error type; values pass through.
    auto code = E(Unex<TypeParam, std::string>(kErr)).transform_error([](const std::string& e) {
      return static_cast<int>(e.size());
    });
    static_assert(std::is_same_v<decltype(code), Ex<TypeParam, int, int>>);
    EXPECT_EQ(code.error(), static_cast<int>(kErr.size()));
    EXPECT_EQ(*E(3).transform_error([](const std::string& e) { return e.size(); }), 3);

    // transform to void.
    int seen = 0;
    auto v = E(9).transform([&](int x) { seen = x; });
    static_assert(std::is_same_v<decltype(v), Ex<TypeParam, void, std::string>>);
    EXPECT_TRUE(v.has_value());
    EXPECT_EQ(seen, 9);

    // const lvalue chain.
    const E ce = 4;
    EXPECT_EQ(*ce.and_then(half), 2);
    EXPECT_EQ(*ce.transform([](const int& x) { return x * 3; }), 12);
  }
}

TYPED_TEST(ExpectedTest, ValueOr) {
  using E = Ex<TypeParam, std::string, int>;
  E v = kLong;
  EXPECT_EQ(v.value_or("fallback"), kLong);
  E e = Unex<TypeParam, int>(3);
  EXPECT_EQ(e.value_or("fallback"), "fallback");
  EXPECT_EQ(std::move(v).value_or("fallback"),
            kLong);  // rvalue: moves the value out

  using U = Ex<TypeParam, std::unique_ptr<int>, int>;
  U empty = Unex<TypeParam, int>(1);
  auto p = std::move(empty).value_or(std::make_unique<int>(8));
  EXPECT_EQ(*p, 8);
}

// ---------------------------------------------------------------------------------------------
// Assignment switching states, emplace, swap, lifetimes

TYPED_TEST(ExpectedTest, AssignmentSwitchesValueAndError) {
  using E = Ex<TypeParam, Counted, Counted>;
  {
    E e(std::in_place, 1);
    EXPECT_EQ(Counted::constructed, 1);
    EXPECT_EQ(Counted::live(), 1);

    e = Unex<TypeParam, Counted>(Counted(2));  // value -> error
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().v, 2);
    EXPECT_EQ(Counted::live(), 1);

    e = Counted(3);  // error -> value
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->v, 3);
    EXPECT_EQ(Counted::live(), 1);

    e = Counted(4);  // value -> value: assigns, no extra live object
    EXPECT_EQ(e->v, 4);
    EXPECT_EQ(Counted::live(), 1);

    E other = Unex<TypeParam, Counted>(Counted(5));
    EXPECT_EQ(Counted::live(), 2);
    e = other;  // copy: value -> error
    EXPECT_EQ(e.error().v, 5);
    EXPECT_EQ(Counted::live(), 2);
    other = E(std::in_place, 6);
    e = std::move(other);  // move: error -> value
    EXPECT_EQ(e->v, 6);
    EXPECT_EQ(Counted::live(), 2);  // e's value + other's moved-from value
  }
  EXPECT_EQ(Counted::live(), 0);
  EXPECT_GT(Counted::constructed, 0);
}

TYPED_TEST(ExpectedTest, CopiesAndMovesDestroyExactlyOnce) {
  using E = Ex<TypeParam, Counted, Counted>;
  {
    E a(std::in_place, 1);
    E b = a;
    E c = std::move(a);
    EXPECT_EQ(Counted::constructed, 3);
    EXPECT_EQ(Counted::destroyed, 0);
    EXPECT_EQ(b->v, 1);
    EXPECT_EQ(c->v, 1);
    EXPECT_EQ(a->v, -1);  // moved-from

    E d(TypeParam::unexpect, 7);
    E f = d;
    E g = std::move(d);
    EXPECT_EQ(Counted::constructed, 6);
    EXPECT_EQ(f.error().v, 7);
    EXPECT_EQ(g.error().v, 7);
    std::vector<E> many(10, b);
    EXPECT_EQ(Counted::live(), 16);
  }
  EXPECT_EQ(Counted::live(), 0);
  EXPECT_EQ(Counted::destroyed, Counted::constructed);
}

TYPED_TEST(ExpectedTest, EmplaceAndSwap) {
  using E = Ex<TypeParam, Counted, std::string>;
  {
    E e = Unex<TypeParam, std::string>(kErr);
    Counted& c = e.emplace(5);
    EXPECT_EQ(c.v, 5);
    EXPECT_EQ(&c, &*e);
    EXPECT_EQ(Counted::live(), 1);
    e.emplace(6);  // replaces the old value
    EXPECT_EQ(e->v, 6);
    EXPECT_EQ(Counted::live(), 1);

    E x(std::in_place, 1);
    E y = Unex<TypeParam, std::string>(kErr);
    x.swap(y);
    ASSERT_FALSE(x.has_value());
    ASSERT_TRUE(y.has_value());
    EXPECT_EQ(x.error(), kErr);
    EXPECT_EQ(y->v, 1);
    swap(x, y);
    EXPECT_EQ(x->v, 1);
    EXPECT_EQ(y.error(), kErr);
    EXPECT_EQ(Counted::live(), 2);
  }
  EXPECT_EQ(Counted::live(), 0);
}

TYPED_TEST(ExpectedTest, EqualityBetweenExpecteds) {
  using E = Ex<TypeParam, int, std::string>;
  EXPECT_TRUE(E(1) == E(1));
  EXPECT_FALSE(E(1) == E(2));
  EXPECT_TRUE(E(1) != E(2));
  EXPECT_FALSE(E(1) == E(Unex<TypeParam, std::string>("e")));
  EXPECT_TRUE(E(Unex<TypeParam, std::string>("e")) == E(Unex<TypeParam, std::string>("e")));
  EXPECT_FALSE(E(Unex<TypeParam, std::string>("e")) == E(Unex<TypeParam, std::string>("f")));
  EXPECT_TRUE((Unex<TypeParam, std::string>("e") == Unex<TypeParam, std::string>("e")));
}

// ---------------------------------------------------------------------------------------------
// Non-typed: CTAD, which names ebpf::expected refers to, polyfill-only
// behaviour.

TEST(ExpectedAliasTest, UnexpectedDeducesItsErrorType) {
  struct Error {
    int code;
  };
  auto pu = ebpf::detail::unexpected(Error{3});
  static_assert(std::is_same_v<decltype(pu), ebpf::detail::unexpected<Error>>);
  EXPECT_EQ(pu.error().code, 3);
  auto eu = ebpf::unexpected(Error{4});
  EXPECT_EQ(eu.error().code, 4);

  ebpf::expected<int, Error> r = ebpf::unexpected(Error{5});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, 5);
  ebpf::detail::expected<int, Error> p = ebpf::detail::unexpected(Error{6});
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, 6);

  ebpf::expected<int, Error> u(ebpf::unexpect, Error{8});
  EXPECT_EQ(u.error().code, 8);
}

TEST(ExpectedAliasTest, PublicNamesPickTheRightImplementation) {
#if defined(__cpp_lib_expected)
  static_assert(std::is_same_v<ebpf::expected<int, long>, std::expected<int, long>>);
  static_assert(std::is_same_v<ebpf::unexpected<long>, std::unexpected<long>>);
  static_assert(std::is_same_v<ebpf::unexpect_t, std::unexpect_t>);
#else
  static_assert(std::is_same_v<ebpf::expected<int, long>, ebpf::detail::expected<int, long>>);
  static_assert(std::is_same_v<ebpf::unexpected<long>, ebpf::detail::unexpected<long>>);
  static_assert(std::is_same_v<ebpf::unexpect_t, ebpf::detail::unexpect_t>);
#endif
  SUCCEED();
}

using ExpectedPolyfillDeathTest = ::testing::Test;

TEST_F(ExpectedPolyfillDeathTest, ValueOnErrorAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ebpf::detail::expected<int, std::string> e = ebpf::detail::unexpected(std::string("boom"));
  EXPECT_DEATH((void)e.value(), "");
  ebpf::detail::expected<void, int> v = ebpf::detail::unexpected(1);
  EXPECT_DEATH(v.value(), "");
  ebpf::detail::expected<int, std::string> ok = 1;
  EXPECT_EQ(ok.value(), 1);
}

}  // namespace
