// A QEMU TCG plugin that counts, for every translated block of guest code, how many times
// it ran, and how often the block that ran next started on another 4 KiB page; at exit it
// writes one line per block: "vaddr ninsns count lastinsn lastvaddr xpage".
// tools/tbprof.py builds it, loads it (-plugin) and turns the counts into a profile per
// guest function: under QEMU what a kernel path costs is mostly how many instructions and
// blocks it runs, how many of its blocks end in an indirect jump (a lookup of the next
// block), how many in a CSR access (a trip through the emulator's main loop), and how
// many jump to another page: QEMU links a block straight to the next one only when both
// start on the same guest page, so a jump or call across a page is a lookup too.
//
// The plugin API is QEMU's public plugin interface (include/qemu/qemu-plugin.h, API
// version 1 as in QEMU 7.2); Debian ships no header for it, so the few functions used are
// declared here.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };

extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                                  void (*cb)(qemu_plugin_id_t,
                                                             struct qemu_plugin_tb *));
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
extern struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
                                                        size_t idx);
extern const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
extern size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
extern uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
extern void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
                                                 void (*cb)(unsigned int vcpu, void *udata),
                                                 int flags, void *udata);
extern void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, int op, void *ptr,
                                                     uint64_t imm);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
                                           void (*cb)(qemu_plugin_id_t, void *), void *udata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

// One entry per block start address, in an open-addressing table; a block translated
// again (QEMU flushes its cache now and then) keeps counting in the same entry.
struct block {
  uint64_t vaddr, count;
  uint64_t xpage;  // times the next block run on this vCPU started on another page
  uint32_t ninsns, last, lastvaddr;
};

#define MAXCPUS 64
static struct block *previous[MAXCPUS];  // per vCPU, the block it ran last

#define NSLOTS (1 << 20)
static struct block *slots[NSLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *outpath = "tbcount.txt";

static struct block *
block_of(uint64_t vaddr)
{
  uint64_t h = (vaddr * 0x9E3779B97F4A7C15ull) >> 44;
  struct block *b;

  while ((b = slots[h]) != 0 && b->vaddr != vaddr)
    h = (h + 1) & (NSLOTS - 1);
  if (b == 0) {
    b = calloc(1, sizeof(*b));
    b->vaddr = vaddr;
    slots[h] = b;
  }
  return b;
}

// Before every block runs (a call, unlike the inline count): if it starts on another page
// than the block this vCPU ran before, count a page crossing for that one.
static void
on_exec(unsigned int vcpu, void *udata)
{
  struct block *b = udata, *prev;

  if (vcpu >= MAXCPUS)
    return;
  prev = previous[vcpu];
  if (prev != 0 && ((prev->vaddr ^ b->vaddr) >> 12) != 0)
    __atomic_fetch_add(&prev->xpage, 1, __ATOMIC_RELAXED);
  previous[vcpu] = b;
}

static void
on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
  size_t n = qemu_plugin_tb_n_insns(tb);
  struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
  uint32_t bits = 0;
  size_t size = qemu_plugin_insn_size(last);

  memcpy(&bits, qemu_plugin_insn_data(last), size < 4 ? size : 4);
  pthread_mutex_lock(&lock);
  struct block *b = block_of(qemu_plugin_tb_vaddr(tb));
  b->ninsns = n;
  b->last = bits;
  b->lastvaddr = (uint32_t)qemu_plugin_insn_vaddr(last);
  pthread_mutex_unlock(&lock);
  // Counted inline in the translated code: no call per block run.
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, 0 /* QEMU_PLUGIN_CB_NO_REGS */, b);
}

static void
on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
  FILE *f = fopen(outpath, "w");

  if (f == 0)
    return;
  for (int i = 0; i < NSLOTS; i++) {
    struct block *b = slots[i];
    if (b != 0 && b->count != 0)
      fprintf(f, "%lx %u %lu %08x %x %lu\n", (unsigned long)b->vaddr, b->ninsns,
              (unsigned long)b->count, b->last, b->lastvaddr, (unsigned long)b->xpage);
  }
  fclose(f);
}

// -plugin tbcount.so,arg=out=PATH
__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv)
{
  if (argc > 0 && strncmp(argv[0], "out=", 4) == 0)
    outpath = strdup(argv[0] + 4);
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_qemu_exit, 0);
  return 0;
}
