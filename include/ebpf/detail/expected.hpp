// ebpf::expected / ebpf::unexpected: std::expected where the standard library has it, a small
// polyfill where it does not.
//
// Why: libstdc++ 12's <expected> is only enabled when the compiler reports
// __cpp_concepts >= 202002L (conditionally trivial special members, P0848). g++ 12 does;
// clang++ 14 does not, so with clang 14 + libstdc++ 12 there is no std::expected at all.
//
//   * With std::expected (__cpp_lib_expected): ebpf::expected<T, E> is an alias of
//     std::expected<T, E>, and ebpf::unexpected / unexpect_t / unexpect are using-declarations of
//     the std names (so CTAD such as `ebpf::unexpected(err)` works).
//   * Without it: ebpf::expected / ebpf::unexpected name the polyfill in ebpf::detail.
//
// The polyfill (ebpf::detail::expected, ebpf::detail::unexpected, ebpf::detail::unexpect) is
// always compiled, so it is tested with every compiler. It covers the parts of std::expected
// the library uses:
//   * unexpected<E> with CTAD, error() for every reference qualifier, ==;
//   * expected<T, E> for object T and for void T: default (value-initialised T), converting
//     construction from a value, from unexpected<G> (const& and &&), in_place / unexpect
//     construction, copy/move construction and assignment (each only when T and E support it,
//     so a move-only T makes expected move-only), assignment from a value or an unexpected,
//     emplace, swap, has_value, explicit operator bool, operator* / operator->, value(),
//     error(), value_or, error_or, and_then, transform, or_else, transform_error, and == with
//     another expected, with a value and with an unexpected.
//
// Differences from std::expected, deliberate:
//   * value() on an expected holding an error calls std::abort() instead of throwing
//     bad_expected_access: the library does not throw across its API. Check has_value() first.
//   * operator*, operator-> and error() have the same preconditions as std (unchecked).
//   * No converting construction/assignment from expected<U, G>, no strong exception guarantee
//     on assignment (the library builds without relying on exceptions), not constexpr-tested.
//   * The special members are never trivial (storage is a union plus a bool flag with a
//     user-provided destructor).
#pragma once

#include <concepts>
#include <cstdlib>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <version>

#if defined(__cpp_lib_expected)
#include <expected>
#endif

namespace ebpf {
namespace detail {

// ---------------------------------------------------------------------------------------------
// unexpect_t / unexpected

struct unexpect_t {
  explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

template <class E>
class unexpected;

template <class T>
struct is_unexpected_specialization : std::false_type {};
template <class E>
struct is_unexpected_specialization<unexpected<E>> : std::true_type {};

template <class E>
class unexpected {
  static_assert(std::is_object_v<E> && !std::is_array_v<E> && !std::is_const_v<E> &&
                    !std::is_volatile_v<E> && !is_unexpected_specialization<E>::value,
                "unexpected<E>: E must be a non-array, non-cv object type that is not unexpected");

 public:
  constexpr unexpected(const unexpected&) = default;
  constexpr unexpected(unexpected&&) = default;
  constexpr unexpected& operator=(const unexpected&) = default;
  constexpr unexpected& operator=(unexpected&&) = default;

  template <class Err = E>
  requires(!std::is_same_v<std::remove_cvref_t<Err>, unexpected> &&
           !std::is_same_v<std::remove_cvref_t<Err>, std::in_place_t> &&
           std::is_constructible_v<E, Err>) constexpr explicit unexpected(Err&& e)
      : err_(std::forward<Err>(e)) {}

  template <class... Args>
  requires std::is_constructible_v<E, Args...>
  constexpr explicit unexpected(std::in_place_t, Args&&... args)
      : err_(std::forward<Args>(args)...) {}

  constexpr E& error() & noexcept { return err_; }
  constexpr const E& error() const& noexcept { return err_; }
  constexpr E&& error() && noexcept { return std::move(err_); }
  constexpr const E&& error() const&& noexcept { return std::move(err_); }

  constexpr void swap(unexpected& other) noexcept(std::is_nothrow_swappable_v<E>) {
    using std::swap;
    swap(err_, other.err_);
  }
  friend constexpr void swap(unexpected& a, unexpected& b) noexcept(noexcept(a.swap(b))) {
    a.swap(b);
  }

  template <class E2>
  friend constexpr bool operator==(const unexpected& a, const unexpected<E2>& b) {
    return a.error() == b.error();
  }

 private:
  E err_;
};

template <class E>
unexpected(E) -> unexpected<E>;

// ---------------------------------------------------------------------------------------------
// Storage: a union of T and E plus a flag saying which one is alive. Copy/move members are
// user-provided and instantiated only when used; whether expected<T, E> has them at all is
// decided by the enable_* bases below.

struct void_value {};  // stands in for T in expected<void, E>

template <class T, class E>
struct expected_storage {
  union {
    T val_;
    E err_;
  };
  bool has_;

  template <class... Args>
  constexpr explicit expected_storage(std::in_place_t, Args&&... args)
      : val_(std::forward<Args>(args)...), has_(true) {}

  template <class... Args>
  constexpr explicit expected_storage(unexpect_t, Args&&... args)
      : err_(std::forward<Args>(args)...), has_(false) {}

  constexpr expected_storage(const expected_storage& o) : has_(o.has_) {
    if (has_) {
      std::construct_at(std::addressof(val_), o.val_);
    } else {
      std::construct_at(std::addressof(err_), o.err_);
    }
  }

  constexpr expected_storage(expected_storage&& o) noexcept(
      std::is_nothrow_move_constructible_v<T>&& std::is_nothrow_move_constructible_v<E>)
      : has_(o.has_) {
    if (has_) {
      std::construct_at(std::addressof(val_), std::move(o.val_));
    } else {
      std::construct_at(std::addressof(err_), std::move(o.err_));
    }
  }

  constexpr expected_storage& operator=(const expected_storage& o) {
    if (has_ && o.has_) {
      val_ = o.val_;
    } else if (!has_ && !o.has_) {
      err_ = o.err_;
    } else if (o.has_) {
      set_value(o.val_);
    } else {
      set_error(o.err_);
    }
    return *this;
  }

  constexpr expected_storage& operator=(expected_storage&& o) noexcept(
      std::is_nothrow_move_constructible_v<T>&& std::is_nothrow_move_assignable_v<T>&&
          std::is_nothrow_move_constructible_v<E>&& std::is_nothrow_move_assignable_v<E>) {
    if (has_ && o.has_) {
      val_ = std::move(o.val_);
    } else if (!has_ && !o.has_) {
      err_ = std::move(o.err_);
    } else if (o.has_) {
      set_value(std::move(o.val_));
    } else {
      set_error(std::move(o.err_));
    }
    return *this;
  }

  constexpr ~expected_storage() { destroy(); }

  constexpr void destroy() noexcept {
    if (has_) {
      std::destroy_at(std::addressof(val_));
    } else {
      std::destroy_at(std::addressof(err_));
    }
  }

  // Destroys whatever is alive and makes a value from args (the arguments must not refer into
  // this object's current contents).
  template <class... Args>
  constexpr T& set_value(Args&&... args) {
    destroy();
    std::construct_at(std::addressof(val_), std::forward<Args>(args)...);
    has_ = true;
    return val_;
  }

  template <class... Args>
  constexpr void set_error(Args&&... args) {
    destroy();
    std::construct_at(std::addressof(err_), std::forward<Args>(args)...);
    has_ = false;
  }

  template <class U>
  constexpr void assign_value(U&& v) {
    if (has_) {
      val_ = std::forward<U>(v);
    } else {
      set_value(std::forward<U>(v));
    }
  }

  template <class G>
  constexpr void assign_error(G&& g) {
    if (!has_) {
      err_ = std::forward<G>(g);
    } else {
      set_error(std::forward<G>(g));
    }
  }

  constexpr void swap(expected_storage& o) {
    if (has_ && o.has_) {
      using std::swap;
      swap(val_, o.val_);
    } else if (!has_ && !o.has_) {
      using std::swap;
      swap(err_, o.err_);
    } else {
      expected_storage& v = has_ ? *this : o;  // holds the value
      expected_storage& e = has_ ? o : *this;  // holds the error
      E tmp(std::move(e.err_));
      e.set_value(std::move(v.val_));
      v.set_error(std::move(tmp));
    }
  }
};

// Empty bases that delete a special member of the class deriving from them. expected<T, E>
// defaults all four copy/move members; a defaulted member is deleted when a base's is, and
// the storage's user-provided member is instantiated only when the defaulted one is used.
template <bool Enable>
struct enable_copy_ctor {};
template <>
struct enable_copy_ctor<false> {
  enable_copy_ctor() = default;
  enable_copy_ctor(const enable_copy_ctor&) = delete;
  enable_copy_ctor(enable_copy_ctor&&) = default;
  enable_copy_ctor& operator=(const enable_copy_ctor&) = default;
  enable_copy_ctor& operator=(enable_copy_ctor&&) = default;
};

template <bool Enable>
struct enable_move_ctor {};
template <>
struct enable_move_ctor<false> {
  enable_move_ctor() = default;
  enable_move_ctor(const enable_move_ctor&) = default;
  enable_move_ctor(enable_move_ctor&&) = delete;
  enable_move_ctor& operator=(const enable_move_ctor&) = default;
  enable_move_ctor& operator=(enable_move_ctor&&) = default;
};

template <bool Enable>
struct enable_copy_assign {};
template <>
struct enable_copy_assign<false> {
  enable_copy_assign() = default;
  enable_copy_assign(const enable_copy_assign&) = default;
  enable_copy_assign(enable_copy_assign&&) = default;
  enable_copy_assign& operator=(const enable_copy_assign&) = delete;
  enable_copy_assign& operator=(enable_copy_assign&&) = default;
};

template <bool Enable>
struct enable_move_assign {};
template <>
struct enable_move_assign<false> {
  enable_move_assign() = default;
  enable_move_assign(const enable_move_assign&) = default;
  enable_move_assign(enable_move_assign&&) = default;
  enable_move_assign& operator=(const enable_move_assign&) = default;
  enable_move_assign& operator=(enable_move_assign&&) = delete;
};

template <class T, class E>
inline constexpr bool copy_ctor_ok =
    std::is_copy_constructible_v<T>&& std::is_copy_constructible_v<E>;
template <class T, class E>
inline constexpr bool move_ctor_ok =
    std::is_move_constructible_v<T>&& std::is_move_constructible_v<E>;
template <class T, class E>
inline constexpr bool copy_assign_ok =
    copy_ctor_ok<T, E>&& std::is_copy_assignable_v<T>&& std::is_copy_assignable_v<E>;
template <class T, class E>
inline constexpr bool move_assign_ok =
    move_ctor_ok<T, E>&& std::is_move_assignable_v<T>&& std::is_move_assignable_v<E>;

template <class T, class E>
class expected;

template <class T>
struct is_expected_specialization : std::false_type {};
template <class T, class E>
struct is_expected_specialization<expected<T, E>> : std::true_type {};

// Calls std::abort(): value() on an expected that holds an error.
[[noreturn]] inline void expected_bad_access() noexcept { std::abort(); }

// ---------------------------------------------------------------------------------------------
// expected<T, E>, T an object type

template <class T, class E>
class expected : private enable_copy_ctor<copy_ctor_ok<T, E>>,
                 private enable_move_ctor<move_ctor_ok<T, E>>,
                 private enable_copy_assign<copy_assign_ok<T, E>>,
                 private enable_move_assign<move_assign_ok<T, E>> {
  static_assert(!std::is_reference_v<T> && !std::is_function_v<T> && !std::is_array_v<T>,
                "expected<T, E>: T must be an object type (or void)");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, std::in_place_t> &&
                    !std::is_same_v<std::remove_cv_t<T>, unexpect_t> &&
                    !is_unexpected_specialization<std::remove_cv_t<T>>::value,
                "expected<T, E>: T must not be in_place_t, unexpect_t or unexpected");

  template <class U, class G>
  friend class expected;

 public:
  using value_type = T;
  using error_type = E;
  using unexpected_type = unexpected<E>;
  template <class U>
  using rebind = expected<U, error_type>;

  // -- construction

  constexpr expected() requires std::is_default_constructible_v<T> : s_(std::in_place) {}

  constexpr expected(const expected&) = default;
  constexpr expected(expected&&) = default;
  constexpr expected& operator=(const expected&) = default;
  constexpr expected& operator=(expected&&) = default;
  constexpr ~expected() = default;

  template <class U = T>
  requires(!std::is_same_v<std::remove_cvref_t<U>, std::in_place_t> &&
           !std::is_same_v<std::remove_cvref_t<U>, unexpect_t> &&
           !std::is_same_v<std::remove_cvref_t<U>, expected> &&
           !is_unexpected_specialization<std::remove_cvref_t<U>>::value &&
           std::is_constructible_v<T, U>) constexpr explicit(!std::is_convertible_v<U, T>)
      expected(U&& v)
      : s_(std::in_place, std::forward<U>(v)) {}

  template <class G>
  requires std::is_constructible_v<E, const G&>
  constexpr explicit(!std::is_convertible_v<const G&, E>) expected(const unexpected<G>& u)
      : s_(unexpect, u.error()) {}

  template <class G>
  requires std::is_constructible_v<E, G>
  constexpr explicit(!std::is_convertible_v<G, E>) expected(unexpected<G>&& u)
      : s_(unexpect, std::move(u).error()) {}

  template <class... Args>
  requires std::is_constructible_v<T, Args...>
  constexpr explicit expected(std::in_place_t, Args&&... args)
      : s_(std::in_place, std::forward<Args>(args)...) {}

  template <class... Args>
  requires std::is_constructible_v<E, Args...>
  constexpr explicit expected(unexpect_t, Args&&... args)
      : s_(unexpect, std::forward<Args>(args)...) {}

  // -- assignment

  template <class U = T>
  requires(!std::is_same_v<std::remove_cvref_t<U>, expected> &&
           !is_unexpected_specialization<std::remove_cvref_t<U>>::value &&
           std::is_constructible_v<T, U> && std::is_assignable_v<T&, U>) constexpr expected&
  operator=(U&& v) {
    s_.assign_value(std::forward<U>(v));
    return *this;
  }

  template <class G>
  requires(
      std::is_constructible_v<E, const G&>&& std::is_assignable_v<E&, const G&>) constexpr expected&
  operator=(const unexpected<G>& u) {
    s_.assign_error(u.error());
    return *this;
  }

  template <class G>
  requires(std::is_constructible_v<E, G>&& std::is_assignable_v<E&, G>) constexpr expected&
  operator=(unexpected<G>&& u) {
    s_.assign_error(std::move(u).error());
    return *this;
  }

  template <class... Args>
  requires std::is_constructible_v<T, Args...>
  constexpr T& emplace(Args&&... args) {
    if (s_.has_) {
      // Build first: the arguments may refer to the current value.
      T tmp(std::forward<Args>(args)...);
      return s_.set_value(std::move(tmp));
    }
    return s_.set_value(std::forward<Args>(args)...);
  }

  constexpr void swap(expected& other) { s_.swap(other.s_); }
  friend constexpr void swap(expected& a, expected& b) { a.swap(b); }

  // -- observers

  constexpr bool has_value() const noexcept { return s_.has_; }
  constexpr explicit operator bool() const noexcept { return s_.has_; }

  constexpr const T* operator->() const noexcept { return std::addressof(s_.val_); }
  constexpr T* operator->() noexcept { return std::addressof(s_.val_); }
  constexpr const T& operator*() const& noexcept { return s_.val_; }
  constexpr T& operator*() & noexcept { return s_.val_; }
  constexpr const T&& operator*() const&& noexcept { return std::move(s_.val_); }
  constexpr T&& operator*() && noexcept { return std::move(s_.val_); }

  // value() aborts (std::abort) if *this holds an error; std::expected would throw.
  constexpr T& value() & {
    if (!s_.has_) expected_bad_access();
    return s_.val_;
  }
  constexpr const T& value() const& {
    if (!s_.has_) expected_bad_access();
    return s_.val_;
  }
  constexpr T&& value() && {
    if (!s_.has_) expected_bad_access();
    return std::move(s_.val_);
  }
  constexpr const T&& value() const&& {
    if (!s_.has_) expected_bad_access();
    return std::move(s_.val_);
  }

  constexpr E& error() & noexcept { return s_.err_; }
  constexpr const E& error() const& noexcept { return s_.err_; }
  constexpr E&& error() && noexcept { return std::move(s_.err_); }
  constexpr const E&& error() const&& noexcept { return std::move(s_.err_); }

  template <class U>
  constexpr T value_or(U&& fallback) const& {
    return s_.has_ ? s_.val_ : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  constexpr T value_or(U&& fallback) && {
    return s_.has_ ? std::move(s_.val_) : static_cast<T>(std::forward<U>(fallback));
  }

  template <class G = E>
  constexpr E error_or(G&& fallback) const& {
    return s_.has_ ? static_cast<E>(std::forward<G>(fallback)) : s_.err_;
  }
  template <class G = E>
  constexpr E error_or(G&& fallback) && {
    return s_.has_ ? static_cast<E>(std::forward<G>(fallback)) : std::move(s_.err_);
  }

  // -- monadic operations

  template <class F>
  constexpr auto and_then(F&& f) & {
    return and_then_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto and_then(F&& f) const& {
    return and_then_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto and_then(F&& f) && {
    return and_then_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto and_then(F&& f) const&& {
    return and_then_impl(std::move(*this), std::forward<F>(f));
  }

  template <class F>
  constexpr auto or_else(F&& f) & {
    return or_else_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto or_else(F&& f) const& {
    return or_else_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto or_else(F&& f) && {
    return or_else_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto or_else(F&& f) const&& {
    return or_else_impl(std::move(*this), std::forward<F>(f));
  }

  template <class F>
  constexpr auto transform(F&& f) & {
    return transform_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform(F&& f) const& {
    return transform_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform(F&& f) && {
    return transform_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform(F&& f) const&& {
    return transform_impl(std::move(*this), std::forward<F>(f));
  }

  template <class F>
  constexpr auto transform_error(F&& f) & {
    return transform_error_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform_error(F&& f) const& {
    return transform_error_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform_error(F&& f) && {
    return transform_error_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform_error(F&& f) const&& {
    return transform_error_impl(std::move(*this), std::forward<F>(f));
  }

  // -- comparison

  template <class T2, class E2>
  requires(!std::is_void_v<T2>) friend constexpr bool operator==(const expected& a,
                                                                 const expected<T2, E2>& b) {
    if (a.has_value() != b.has_value()) return false;
    return a.has_value() ? static_cast<bool>(*a == *b) : static_cast<bool>(a.error() == b.error());
  }

  template <class T2>
  requires(!is_expected_specialization<T2>::value &&
           !is_unexpected_specialization<T2>::value) friend constexpr bool
  operator==(const expected& a, const T2& v) {
    return a.has_value() && static_cast<bool>(*a == v);
  }

  template <class E2>
  friend constexpr bool operator==(const expected& a, const unexpected<E2>& u) {
    return !a.has_value() && static_cast<bool>(a.error() == u.error());
  }

 private:
  // Self is expected&, const expected&, expected&& or const expected&&.
  template <class Self, class F>
  static constexpr auto and_then_impl(Self&& self, F&& f) {
    using U = std::remove_cvref_t<std::invoke_result_t<F, decltype(*std::forward<Self>(self))>>;
    static_assert(is_expected_specialization<U>::value,
                  "and_then: the function must return an expected");
    static_assert(std::is_same_v<typename U::error_type, E>,
                  "and_then: the function must return an expected with the same error type");
    if (self.has_value()) return std::invoke(std::forward<F>(f), *std::forward<Self>(self));
    return U(unexpect, std::forward<Self>(self).error());
  }

  template <class Self, class F>
  static constexpr auto or_else_impl(Self&& self, F&& f) {
    using G =
        std::remove_cvref_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).error())>>;
    static_assert(is_expected_specialization<G>::value,
                  "or_else: the function must return an expected");
    static_assert(std::is_same_v<typename G::value_type, T>,
                  "or_else: the function must return an expected with the same value type");
    if (self.has_value()) return G(std::in_place, *std::forward<Self>(self));
    return std::invoke(std::forward<F>(f), std::forward<Self>(self).error());
  }

  template <class Self, class F>
  static constexpr auto transform_impl(Self&& self, F&& f) {
    using U = std::remove_cv_t<std::invoke_result_t<F, decltype(*std::forward<Self>(self))>>;
    using R = expected<U, E>;
    if (!self.has_value()) return R(unexpect, std::forward<Self>(self).error());
    if constexpr (std::is_void_v<U>) {
      std::invoke(std::forward<F>(f), *std::forward<Self>(self));
      return R();
    } else {
      return R(std::in_place, std::invoke(std::forward<F>(f), *std::forward<Self>(self)));
    }
  }

  template <class Self, class F>
  static constexpr auto transform_error_impl(Self&& self, F&& f) {
    using G = std::remove_cv_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).error())>>;
    using R = expected<T, G>;
    if (self.has_value()) return R(std::in_place, *std::forward<Self>(self));
    return R(unexpect, std::invoke(std::forward<F>(f), std::forward<Self>(self).error()));
  }

  expected_storage<T, E> s_;
};

// ---------------------------------------------------------------------------------------------
// expected<void, E>

template <class T, class E>
requires std::is_void_v<T>
class expected<T, E> : private enable_copy_ctor<std::is_copy_constructible_v<E>>,
                       private enable_move_ctor<std::is_move_constructible_v<E>>,
                       private enable_copy_assign<copy_assign_ok<void_value, E>>,
                       private enable_move_assign<move_assign_ok<void_value, E>> {
  template <class U, class G>
  friend class expected;

 public:
  using value_type = T;
  using error_type = E;
  using unexpected_type = unexpected<E>;
  template <class U>
  using rebind = expected<U, error_type>;

  constexpr expected() noexcept : s_(std::in_place) {}

  constexpr expected(const expected&) = default;
  constexpr expected(expected&&) = default;
  constexpr expected& operator=(const expected&) = default;
  constexpr expected& operator=(expected&&) = default;
  constexpr ~expected() = default;

  template <class G>
  requires std::is_constructible_v<E, const G&>
  constexpr explicit(!std::is_convertible_v<const G&, E>) expected(const unexpected<G>& u)
      : s_(unexpect, u.error()) {}

  template <class G>
  requires std::is_constructible_v<E, G>
  constexpr explicit(!std::is_convertible_v<G, E>) expected(unexpected<G>&& u)
      : s_(unexpect, std::move(u).error()) {}

  constexpr explicit expected(std::in_place_t) noexcept : s_(std::in_place) {}

  template <class... Args>
  requires std::is_constructible_v<E, Args...>
  constexpr explicit expected(unexpect_t, Args&&... args)
      : s_(unexpect, std::forward<Args>(args)...) {}

  template <class G>
  requires(
      std::is_constructible_v<E, const G&>&& std::is_assignable_v<E&, const G&>) constexpr expected&
  operator=(const unexpected<G>& u) {
    s_.assign_error(u.error());
    return *this;
  }

  template <class G>
  requires(std::is_constructible_v<E, G>&& std::is_assignable_v<E&, G>) constexpr expected&
  operator=(unexpected<G>&& u) {
    s_.assign_error(std::move(u).error());
    return *this;
  }

  constexpr void emplace() noexcept {
    if (!s_.has_) s_.set_value();
  }

  constexpr void swap(expected& other) { s_.swap(other.s_); }
  friend constexpr void swap(expected& a, expected& b) { a.swap(b); }

  constexpr bool has_value() const noexcept { return s_.has_; }
  constexpr explicit operator bool() const noexcept { return s_.has_; }

  constexpr void operator*() const noexcept {}

  // value() aborts (std::abort) if *this holds an error; std::expected would throw.
  constexpr void value() const& {
    if (!s_.has_) expected_bad_access();
  }
  constexpr void value() && {
    if (!s_.has_) expected_bad_access();
  }

  constexpr E& error() & noexcept { return s_.err_; }
  constexpr const E& error() const& noexcept { return s_.err_; }
  constexpr E&& error() && noexcept { return std::move(s_.err_); }
  constexpr const E&& error() const&& noexcept { return std::move(s_.err_); }

  template <class G = E>
  constexpr E error_or(G&& fallback) const& {
    return s_.has_ ? static_cast<E>(std::forward<G>(fallback)) : s_.err_;
  }
  template <class G = E>
  constexpr E error_or(G&& fallback) && {
    return s_.has_ ? static_cast<E>(std::forward<G>(fallback)) : std::move(s_.err_);
  }

  template <class F>
  constexpr auto and_then(F&& f) & {
    return and_then_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto and_then(F&& f) const& {
    return and_then_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto and_then(F&& f) && {
    return and_then_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto and_then(F&& f) const&& {
    return and_then_impl(std::move(*this), std::forward<F>(f));
  }

  template <class F>
  constexpr auto or_else(F&& f) & {
    return or_else_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto or_else(F&& f) const& {
    return or_else_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto or_else(F&& f) && {
    return or_else_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto or_else(F&& f) const&& {
    return or_else_impl(std::move(*this), std::forward<F>(f));
  }

  template <class F>
  constexpr auto transform(F&& f) & {
    return transform_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform(F&& f) const& {
    return transform_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform(F&& f) && {
    return transform_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform(F&& f) const&& {
    return transform_impl(std::move(*this), std::forward<F>(f));
  }

  template <class F>
  constexpr auto transform_error(F&& f) & {
    return transform_error_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform_error(F&& f) const& {
    return transform_error_impl(*this, std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform_error(F&& f) && {
    return transform_error_impl(std::move(*this), std::forward<F>(f));
  }
  template <class F>
  constexpr auto transform_error(F&& f) const&& {
    return transform_error_impl(std::move(*this), std::forward<F>(f));
  }

  template <class T2, class E2>
  requires std::is_void_v<T2>
  friend constexpr bool operator==(const expected& a, const expected<T2, E2>& b) {
    if (a.has_value() != b.has_value()) return false;
    return a.has_value() || static_cast<bool>(a.error() == b.error());
  }

  template <class E2>
  friend constexpr bool operator==(const expected& a, const unexpected<E2>& u) {
    return !a.has_value() && static_cast<bool>(a.error() == u.error());
  }

 private:
  template <class Self, class F>
  static constexpr auto and_then_impl(Self&& self, F&& f) {
    using U = std::remove_cvref_t<std::invoke_result_t<F>>;
    static_assert(is_expected_specialization<U>::value,
                  "and_then: the function must return an expected");
    static_assert(std::is_same_v<typename U::error_type, E>,
                  "and_then: the function must return an expected with the same error type");
    if (self.has_value()) return std::invoke(std::forward<F>(f));
    return U(unexpect, std::forward<Self>(self).error());
  }

  template <class Self, class F>
  static constexpr auto or_else_impl(Self&& self, F&& f) {
    using G =
        std::remove_cvref_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).error())>>;
    static_assert(is_expected_specialization<G>::value,
                  "or_else: the function must return an expected");
    static_assert(std::is_void_v<typename G::value_type>,
                  "or_else: the function must return an expected<void, ...>");
    if (self.has_value()) return G();
    return std::invoke(std::forward<F>(f), std::forward<Self>(self).error());
  }

  template <class Self, class F>
  static constexpr auto transform_impl(Self&& self, F&& f) {
    using U = std::remove_cv_t<std::invoke_result_t<F>>;
    using R = expected<U, E>;
    if (!self.has_value()) return R(unexpect, std::forward<Self>(self).error());
    if constexpr (std::is_void_v<U>) {
      std::invoke(std::forward<F>(f));
      return R();
    } else {
      return R(std::in_place, std::invoke(std::forward<F>(f)));
    }
  }

  template <class Self, class F>
  static constexpr auto transform_error_impl(Self&& self, F&& f) {
    using G = std::remove_cv_t<std::invoke_result_t<F, decltype(std::forward<Self>(self).error())>>;
    using R = expected<T, G>;
    if (self.has_value()) return R();
    return R(unexpect, std::invoke(std::forward<F>(f), std::forward<Self>(self).error()));
  }

  expected_storage<void_value, E> s_;
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// The names the library uses.

#if defined(__cpp_lib_expected)

template <class T, class E>
using expected = std::expected<T, E>;
using std::unexpect;
using std::unexpect_t;
using std::unexpected;

#else

using detail::expected;
using detail::unexpect;
using detail::unexpect_t;
using detail::unexpected;

#endif

}  // namespace ebpf
