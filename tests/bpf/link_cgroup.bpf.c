// Cgroup link tests: one counting program per cgroup attach type, each allowing what it sees. A process the
// test moves into its own cgroup does one of everything (sockets, bind, connect, send, receive, socket
// options, a sysctl read, a device open) and the counters show which programs ran.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum {
  G_SKB_INGRESS,
  G_SKB_EGRESS,
  G_SOCK_CREATE,
  G_SOCK_RELEASE,
  G_POST_BIND4,
  G_BIND4,
  G_CONNECT4,
  G_SENDMSG4,
  G_RECVMSG4,
  G_GETPEERNAME4,
  G_GETSOCKNAME4,
  G_SYSCTL,
  G_GETSOCKOPT,
  G_SETSOCKOPT,
  G_DEVICE,
  G_SOCK_OPS,
  G_BIND6,
  G_CONNECT6,
  G_CONNECT_UNIX,
  G_SKB_EGRESS_OTHER,
  G_POST_BIND6,
  G_SENDMSG6,
  G_RECVMSG6,
  G_GETPEERNAME6,
  G_GETSOCKNAME6,
  G_SENDMSG_UNIX,
  G_RECVMSG_UNIX,
  G_GETPEERNAME_UNIX,
  G_GETSOCKNAME_UNIX,
  G_MAX
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, G_MAX);
  __type(key, __u32);
  __type(value, __u64);
} cg_counts SEC(".maps");

// Order in which the two egress programs ran: each shifts its own digit in.
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} cg_trace SEC(".maps");

static __always_inline void trace_step(__u64 digit) {
  __u32 zero = 0;
  __u64 *t = bpf_map_lookup_elem(&cg_trace, &zero);
  if (t) *t = *t * 16 + digit;
}

static __always_inline void count(__u32 which) {
  __u64 *v = bpf_map_lookup_elem(&cg_counts, &which);
  if (v) __sync_fetch_and_add(v, 1);
}

SEC("cgroup_skb/ingress")
int skb_ingress(struct __sk_buff *skb) { count(G_SKB_INGRESS); return 1; }

SEC("cgroup_skb/egress")
int skb_egress(struct __sk_buff *skb) {
  count(G_SKB_EGRESS);
  trace_step(1);
  return 1;
}

// A second egress program, for BPF_F_ALLOW_MULTI.
SEC("cgroup_skb/egress")
int skb_egress_other(struct __sk_buff *skb) {
  count(G_SKB_EGRESS_OTHER);
  trace_step(2);
  return 1;
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk) { count(G_SOCK_CREATE); return 1; }

SEC("cgroup/sock_release")
int sock_release(struct bpf_sock *sk) { count(G_SOCK_RELEASE); return 1; }

SEC("cgroup/post_bind4")
int post_bind4(struct bpf_sock *sk) { count(G_POST_BIND4); return 1; }

SEC("cgroup/bind4")
int bind4(struct bpf_sock_addr *ctx) { count(G_BIND4); return 1; }

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx) { count(G_CONNECT4); return 1; }

SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx) { count(G_SENDMSG4); return 1; }

SEC("cgroup/recvmsg4")
int recvmsg4(struct bpf_sock_addr *ctx) { count(G_RECVMSG4); return 1; }

SEC("cgroup/getpeername4")
int getpeername4(struct bpf_sock_addr *ctx) { count(G_GETPEERNAME4); return 1; }

SEC("cgroup/getsockname4")
int getsockname4(struct bpf_sock_addr *ctx) { count(G_GETSOCKNAME4); return 1; }

SEC("cgroup/bind6")
int bind6(struct bpf_sock_addr *ctx) { count(G_BIND6); return 1; }

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx) { count(G_CONNECT6); return 1; }

SEC("cgroup/connect_unix")
int connect_unix(struct bpf_sock_addr *ctx) { count(G_CONNECT_UNIX); return 1; }

SEC("cgroup/post_bind6")
int post_bind6(struct bpf_sock *sk) { count(G_POST_BIND6); return 1; }

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx) { count(G_SENDMSG6); return 1; }

SEC("cgroup/recvmsg6")
int recvmsg6(struct bpf_sock_addr *ctx) { count(G_RECVMSG6); return 1; }

SEC("cgroup/getpeername6")
int getpeername6(struct bpf_sock_addr *ctx) { count(G_GETPEERNAME6); return 1; }

SEC("cgroup/getsockname6")
int getsockname6(struct bpf_sock_addr *ctx) { count(G_GETSOCKNAME6); return 1; }

SEC("cgroup/sendmsg_unix")
int sendmsg_unix(struct bpf_sock_addr *ctx) { count(G_SENDMSG_UNIX); return 1; }

SEC("cgroup/recvmsg_unix")
int recvmsg_unix(struct bpf_sock_addr *ctx) { count(G_RECVMSG_UNIX); return 1; }

SEC("cgroup/getpeername_unix")
int getpeername_unix(struct bpf_sock_addr *ctx) { count(G_GETPEERNAME_UNIX); return 1; }

SEC("cgroup/getsockname_unix")
int getsockname_unix(struct bpf_sock_addr *ctx) { count(G_GETSOCKNAME_UNIX); return 1; }

SEC("cgroup/sysctl")
int sysctl(struct bpf_sysctl *ctx) { count(G_SYSCTL); return 1; }

SEC("cgroup/getsockopt")
int getsockopt(struct bpf_sockopt *ctx) {
  count(G_GETSOCKOPT);
  return 1;
}

SEC("cgroup/setsockopt")
int setsockopt(struct bpf_sockopt *ctx) {
  count(G_SETSOCKOPT);
  return 1;
}

SEC("cgroup/dev")
int device(struct bpf_cgroup_dev_ctx *ctx) { count(G_DEVICE); return 1; }

SEC("sockops")
int sock_ops(struct bpf_sock_ops *ctx) { count(G_SOCK_OPS); return 1; }

char _license[] SEC("license") = "GPL";
