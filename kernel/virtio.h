// virtio-mmio registers and the split virtqueue layout, from the Virtual I/O Device
// (VIRTIO) Version 1.1 specification. Section numbers are cited as [virtio 1.1 x.y.z].
#pragma once
#include "types.h"

// [virtio 1.1 4.2.2] MMIO device register layout (modern, Version 2), byte offsets.
#define VIRTIO_MMIO_MAGIC               0x000  // 0x74726976 ("virt")
#define VIRTIO_MMIO_VERSION             0x004  // 2 for the non-legacy interface
#define VIRTIO_MMIO_DEVICE_ID           0x008  // [5] 2 = block device
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090  // the available ring
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0  // the used ring
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4

#define VIRTIO_MAGIC     0x74726976
#define VIRTIO_DEV_BLOCK 2

// [virtio 1.1 2.1] device status bits
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

// [virtio 1.1 6] reserved feature bits (word 1 = bits 32..63)
#define VIRTIO_F_VERSION_1 32  // must be accepted by a modern driver [virtio 1.1 6.1]

// [virtio 1.1 4.2.2] InterruptStatus bits
#define VIRTIO_INT_USED_BUFFER   1
#define VIRTIO_INT_CONFIG_CHANGE 2

// [virtio 1.1 2.6.5] descriptor table entry, 16-byte aligned table
#define VRING_DESC_F_NEXT  1  // next is valid: the buffer continues
#define VRING_DESC_F_WRITE 2  // device writes this buffer (else it reads it)
struct vring_desc {
  uint64 addr;  // guest-physical address
  uint32 len;
  uint16 flags;
  uint16 next;
};

// [virtio 1.1 2.6.6] the available ring (driver -> device), 2-byte aligned
struct vring_avail {
  uint16 flags;
  uint16 idx;     // where the driver will put the next entry (free-running)
  uint16 ring[];  // heads of descriptor chains; then a used_event word we do not use
};

// [virtio 1.1 2.6.8] the used ring (device -> driver), 4-byte aligned
struct vring_used_elem {
  uint32 id;   // head of the completed chain
  uint32 len;  // bytes the device wrote
};
struct vring_used {
  uint16 flags;
  uint16 idx;  // where the device will put the next entry (free-running)
  struct vring_used_elem ring[];
};

// [virtio 1.1 5.2.6] block request header; then data, then one status byte
#define VIRTIO_BLK_T_IN   0  // read from the disk
#define VIRTIO_BLK_T_OUT  1  // write to the disk
#define VIRTIO_BLK_S_OK   0
#define VIRTIO_BLK_SECTOR 512  // the sector field counts 512-byte sectors
struct virtio_blk_req_hdr {
  uint32 type;
  uint32 reserved;
  uint64 sector;
};
