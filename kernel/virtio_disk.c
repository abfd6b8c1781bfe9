// Driver for the virtio block device on QEMU's virtio-mmio bus, modern interface
// (Version 2; QEMU -global virtio-mmio.force-legacy=false). Register and ring formats
// are in virtio.h with their spec sections.
//
// Interface: virtio_disk_init() once at boot; virtio_disk_rw(b, write) moves one
// BSIZE block between b->data and the disk and sleeps until the device has finished.
// virtio_disk_submit/virtio_disk_wait split that in two so that several requests can be
// in flight at once. The caller holds b->lock. virtio_disk_intr runs on the PLIC interrupt.
//
// One split virtqueue (queue 0) of VQ_SIZE descriptors. Every request is a chain of
// three: the request header (device reads), the data (device reads or writes), and
// one status byte (device writes) [virtio 1.1 5.2.6].

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"
#include "virtio.h"

#define VQ_SIZE 128  // descriptors (42 requests in flight); a power of 2 [virtio 1.1 2.6]

// One in-flight request, indexed by the head descriptor of its chain.
struct disk_req {
  struct buf *b;
  struct virtio_blk_req_hdr hdr;  // DMA: the device reads it
  volatile uchar status;          // DMA: the device writes it
};

static struct {
  struct spinlock lock;              // guards everything here and the rings
  struct vring_desc *desc;           // VQ_SIZE entries (one page)
  struct vring_avail *avail;         // one page
  volatile struct vring_used *used;  // one page
  char desc_free[VQ_SIZE];           // 1 = descriptor i is unused
  uint16 used_seen;                  // used->idx up to which we have processed
  struct disk_req req[VQ_SIZE];
} disk;

// Read a 32-bit device register.
static inline uint32
reg_read(int off)
{
  return *(volatile uint32 *)(VIRTIO0 + off);
}

// Write a 32-bit device register.
static inline void
reg_write(int off, uint32 v)
{
  *(volatile uint32 *)(VIRTIO0 + off) = v;
}

// Feature negotiation [virtio 1.1 3.1.1 steps 4-6]: accept only VIRTIO_F_VERSION_1,
// which a modern device offers and a modern driver must accept [virtio 1.1 6.1].
static void
negotiate_features(void)
{
  reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
  uint32 hi = reg_read(VIRTIO_MMIO_DEVICE_FEATURES);
  if ((hi & (1 << (VIRTIO_F_VERSION_1 - 32))) == 0)
    panic("virtio_disk: device does not offer VERSION_1");
  // Word 0: no optional block features (no RO, no FLUSH, no event index, no indirect).
  reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 0);
  reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1 << (VIRTIO_F_VERSION_1 - 32));
  uint32 status = reg_read(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK;
  reg_write(VIRTIO_MMIO_STATUS, status);
  // The device clears FEATURES_OK if it does not accept our subset [virtio 1.1 3.1.1].
  if ((reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
    panic("virtio_disk: features not accepted");
}

// Set up virtqueue 0 [virtio 1.1 4.2.3.2].
static void
setup_queue(void)
{
  reg_write(VIRTIO_MMIO_QUEUE_SEL, 0);
  if (reg_read(VIRTIO_MMIO_QUEUE_READY) != 0)
    panic("virtio_disk: queue 0 already in use");
  if (reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX) < VQ_SIZE)
    panic("virtio_disk: queue too short");
  disk.desc = kalloc();
  disk.avail = kalloc();
  disk.used = kalloc();
  if (!disk.desc || !disk.avail || !disk.used)
    panic("virtio_disk: kalloc");
  reg_write(VIRTIO_MMIO_QUEUE_NUM, VQ_SIZE);
  // Kernel addresses are physical addresses (identity map, memlayout.h).
  reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint64)disk.desc);
  reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint64)disk.desc >> 32);
  reg_write(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint64)disk.avail);
  reg_write(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint64)disk.avail >> 32);
  reg_write(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint64)disk.used);
  reg_write(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint64)disk.used >> 32);
  reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
  for (int i = 0; i < VQ_SIZE; i++)
    disk.desc_free[i] = 1;
}

// Find the block device, bring it up [virtio 1.1 3.1.1], register its interrupt.
void
virtio_disk_init(void)
{
  spin_init(&disk.lock, "virtio_disk");
  if (reg_read(VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC || reg_read(VIRTIO_MMIO_VERSION) != 2 ||
      reg_read(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_DEV_BLOCK)
    panic("virtio_disk: no modern virtio block device at VIRTIO0");
  reg_write(VIRTIO_MMIO_STATUS, 0);  // reset
  uint32 status = VIRTIO_STATUS_ACKNOWLEDGE;
  reg_write(VIRTIO_MMIO_STATUS, status);
  status |= VIRTIO_STATUS_DRIVER;
  reg_write(VIRTIO_MMIO_STATUS, status);
  negotiate_features();
  setup_queue();
  status = reg_read(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK;
  reg_write(VIRTIO_MMIO_STATUS, status);  // the device is live
  irq_register(VIRTIO0_IRQ, virtio_disk_intr, 0);
}

// Take n free descriptors into idx[]; 0, or -1 (none taken) if there are too few.
static int
desc_alloc(int *idx, int n)
{
  int got = 0;
  for (int i = 0; i < VQ_SIZE && got < n; i++)
    if (disk.desc_free[i])
      idx[got++] = i;
  if (got < n)
    return -1;
  for (int i = 0; i < n; i++)
    disk.desc_free[idx[i]] = 0;
  return 0;
}

// Return the chain that starts at head to the free pool.
static void
desc_free_chain(int head)
{
  for (;;) {
    int flags = disk.desc[head].flags;
    int next = disk.desc[head].next;
    memset(&disk.desc[head], 0, sizeof(disk.desc[head]));
    disk.desc_free[head] = 1;
    if (!(flags & VRING_DESC_F_NEXT))
      break;
    head = next;
  }
  wakeup(&disk.desc_free);
}

// Fill descriptor i.
static void
desc_set(int i, void *addr, uint32 len, uint16 flags, uint16 next)
{
  disk.desc[i].addr = (uint64)addr;
  disk.desc[i].len = len;
  disk.desc[i].flags = flags;
  disk.desc[i].next = next;
}

// Queue a read (write == 0) or write of b->data at disk block blockno and return without
// waiting; virtio_disk_wait(b) waits. Several requests may be in flight at once (the log
// writes a whole transaction this way). The caller holds b->lock until the wait.
void
virtio_disk_submit(struct buf *b, uint blockno, int write)
{
  int d[3];

  spin_lock(&disk.lock);
  while (desc_alloc(d, 3) < 0)
    sleep(&disk.desc_free, &disk.lock);

  struct disk_req *r = &disk.req[d[0]];
  r->b = b;
  r->hdr.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  r->hdr.reserved = 0;
  r->hdr.sector = (uint64)blockno * (BSIZE / VIRTIO_BLK_SECTOR);
  r->status = 0xff;  // the device overwrites it
  desc_set(d[0], &r->hdr, sizeof(r->hdr), VRING_DESC_F_NEXT, d[1]);
  desc_set(d[1], b->data, BSIZE, VRING_DESC_F_NEXT | (write ? 0 : VRING_DESC_F_WRITE), d[2]);
  desc_set(d[2], (void *)&r->status, 1, VRING_DESC_F_WRITE, 0);
  b->disk_busy = 1;

  // [virtio 1.1 2.6.13] put the head in the ring, then publish it by bumping idx.
  disk.avail->ring[disk.avail->idx % VQ_SIZE] = d[0];
  __sync_synchronize();
  disk.avail->idx += 1;
  __sync_synchronize();
  reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 0);  // doorbell: queue 0 has new buffers
  spin_unlock(&disk.lock);
}

// Sleep until the request submitted for b has completed.
void
virtio_disk_wait(struct buf *b)
{
  spin_lock(&disk.lock);
  while (b->disk_busy)
    sleep(b, &disk.lock);
  spin_unlock(&disk.lock);
}

// Read (write == 0) or write block b->blockno; sleeps until the device is done.
void
virtio_disk_rw(struct buf *b, int write)
{
  virtio_disk_submit(b, b->blockno, write);
  virtio_disk_wait(b);
}

// Interrupt: acknowledge it [virtio 1.1 4.2.2], retire completed chains, wake their owners.
void
virtio_disk_intr(void *arg)
{
  spin_lock(&disk.lock);
  uint32 why = reg_read(VIRTIO_MMIO_INTERRUPT_STATUS);
  reg_write(VIRTIO_MMIO_INTERRUPT_ACK, why & (VIRTIO_INT_USED_BUFFER | VIRTIO_INT_CONFIG_CHANGE));
  __sync_synchronize();
  // [virtio 1.1 2.6.8] the device adds to the used ring, then bumps used->idx.
  while (disk.used_seen != disk.used->idx) {
    __sync_synchronize();
    int id = disk.used->ring[disk.used_seen % VQ_SIZE].id;
    struct disk_req *r = &disk.req[id];
    if (r->b == 0)
      panic("virtio_disk_intr: completion for an idle descriptor");
    if (r->status != VIRTIO_BLK_S_OK)
      panic("virtio_disk: request failed");  // QEMU's disk does not fail: a driver bug
    r->b->disk_busy = 0;
    wakeup(r->b);
    r->b = 0;
    desc_free_chain(id);
    disk.used_seen += 1;
  }
  spin_unlock(&disk.lock);
}
