// Many CO-RE relocations against kernel types (local definitions, not vmlinux.h): the CO-RE benchmark's object.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PAI __attribute__((preserve_access_index))

struct mm_struct {
  unsigned long start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
  unsigned long arg_start, arg_end, env_start, env_end;
} PAI;

struct task_struct {
  int pid, tgid;
  unsigned int flags;
  int prio, static_prio, normal_prio;
  char comm[16];
  struct mm_struct *mm;
  struct task_struct *real_parent;
  unsigned long long start_time;
  int exit_code, exit_signal;
} PAI;

struct inode {
  unsigned short i_mode;
  unsigned long i_ino;
  long long i_size;
  unsigned int i_flags;
  unsigned long long i_blocks;
} PAI;

struct file {
  unsigned int f_flags;
  unsigned int f_mode;
  long long f_pos;
  struct inode *f_inode;
} PAI;

struct net_device {
  int ifindex;
  unsigned int mtu;
  unsigned int flags;
  char name[16];
} PAI;

struct sk_buff {
  unsigned int len, data_len, mark, priority, hash;
  unsigned short protocol;
} PAI;

struct sock_common {
  unsigned short skc_family;
  unsigned char skc_state;
  unsigned short skc_num;
  unsigned short skc_dport;
} PAI;

struct sock {
  struct sock_common __sk_common;
  int sk_rcvbuf, sk_sndbuf;
} PAI;

#define OFF(T, f) acc += bpf_core_field_offset(struct T, f)
#define SZ(T, f) acc += bpf_core_field_size(struct T, f)

SEC("socket")
int many(struct __sk_buff *skb) {
  unsigned long long acc = 0;
  OFF(task_struct, pid); OFF(task_struct, tgid); OFF(task_struct, flags); OFF(task_struct, prio);
  OFF(task_struct, static_prio); OFF(task_struct, normal_prio); OFF(task_struct, comm); OFF(task_struct, mm);
  OFF(task_struct, real_parent); OFF(task_struct, start_time); OFF(task_struct, exit_code);
  OFF(task_struct, exit_signal); SZ(task_struct, comm); SZ(task_struct, start_time);
  OFF(mm_struct, start_code); OFF(mm_struct, end_code); OFF(mm_struct, start_data); OFF(mm_struct, end_data);
  OFF(mm_struct, start_brk); OFF(mm_struct, brk); OFF(mm_struct, start_stack); OFF(mm_struct, arg_start);
  OFF(mm_struct, arg_end); OFF(mm_struct, env_start); OFF(mm_struct, env_end);
  OFF(inode, i_mode); OFF(inode, i_ino); OFF(inode, i_size); OFF(inode, i_flags); OFF(inode, i_blocks);
  SZ(inode, i_mode); SZ(inode, i_size);
  OFF(file, f_flags); OFF(file, f_mode); OFF(file, f_pos); OFF(file, f_inode); SZ(file, f_flags);
  OFF(net_device, ifindex); OFF(net_device, mtu); OFF(net_device, flags); OFF(net_device, name);
  SZ(net_device, name);
  OFF(sk_buff, len); OFF(sk_buff, data_len); OFF(sk_buff, mark); OFF(sk_buff, priority); OFF(sk_buff, hash);
  OFF(sk_buff, protocol); SZ(sk_buff, protocol);
  OFF(sock_common, skc_family); OFF(sock_common, skc_state); OFF(sock_common, skc_num);
  OFF(sock_common, skc_dport); OFF(sock, sk_rcvbuf); OFF(sock, sk_sndbuf); OFF(sock, __sk_common.skc_family);
  acc += bpf_core_type_size(struct task_struct);
  acc += bpf_core_type_size(struct sk_buff);
  acc += bpf_core_type_exists(struct sock);
  return (int)acc;
}

char LICENSE[] SEC("license") = "GPL";
