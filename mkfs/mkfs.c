// mkfs: build a file-system image for the kernel on the host.
//
// Usage: mkfs/mkfs fs.img README.md user/_ls user/_sh ...
// Writes FSSIZE blocks in the layout of kernel/fs.h (boot, superblock, log, inodes,
// bitmap, data) with a root directory holding every file named on the command line;
// a leading "user/_" is dropped from names ("user/_ls" becomes "/ls"), other names
// keep only their last path element.

#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MKFS
#include "kernel/types.h"
#include "kernel/param.h"
#define stat kernel_stat  // kernel/stat.h's struct stat is not the host's
#include "kernel/stat.h"
#undef stat
#include "kernel/fs.h"

#define NINODES 1000

static int img;  // the image's file descriptor
static struct superblock super;
static uint next_free_inum = 1;  // inode 1 is the root
static uint next_free_block;     // first unused data block

// Write block bno of the image.
static void
block_write(uint bno, const void *data)
{
  if (pwrite(img, data, BSIZE, (off_t)bno * BSIZE) != BSIZE) {
    perror("mkfs: write");
    exit(1);
  }
}

// Read block bno of the image.
static void
block_read(uint bno, void *data)
{
  if (pread(img, data, BSIZE, (off_t)bno * BSIZE) != BSIZE) {
    perror("mkfs: read");
    exit(1);
  }
}

// Read or write dinode inum through its inode-table block.
static void
dinode_rw(uint inum, struct dinode *di, int write)
{
  uchar blk[BSIZE];
  block_read(IBLOCK(inum, super), blk);
  struct dinode *slot = (struct dinode *)blk + inum % IPB;
  if (write) {
    *slot = *di;
    block_write(IBLOCK(inum, super), blk);
  } else {
    *di = *slot;
  }
}

// Take the next data block (they are handed out in order; the bitmap is written last).
static uint
data_block(void)
{
  if (next_free_block >= super.size) {
    fprintf(stderr, "mkfs: out of blocks\n");
    exit(1);
  }
  return next_free_block++;
}

// Entry i of index block *slot, allocating both as needed.
static uint
index_entry(uint *slot, uint i)
{
  uint idx[NINDIRECT];
  if (*slot == 0)
    *slot = data_block();  // blocks start zeroed
  block_read(*slot, idx);
  if (idx[i] == 0) {
    idx[i] = data_block();
    block_write(*slot, idx);
  }
  return idx[i];
}

// Disk block for file block bn of di, allocating it.
static uint
file_block(struct dinode *di, uint bn)
{
  if (bn < NDIRECT) {
    if (di->addrs[bn] == 0)
      di->addrs[bn] = data_block();
    return di->addrs[bn];
  }
  bn -= NDIRECT;
  if (bn < NINDIRECT)
    return index_entry(&di->addrs[NDIRECT], bn);
  bn -= NINDIRECT;
  assert(bn < NINDIRECT * NINDIRECT);
  uint mid = index_entry(&di->addrs[NDIRECT + 1], bn / NINDIRECT);
  return index_entry(&mid, bn % NINDIRECT);
}

// Append n bytes to inode inum.
static void
append(uint inum, const void *data, uint n)
{
  struct dinode di;
  uchar blk[BSIZE];
  const uchar *p = data;

  dinode_rw(inum, &di, 0);
  while (n > 0) {
    uint bno = file_block(&di, di.size / BSIZE);
    uint at = di.size % BSIZE;
    uint m = BSIZE - at < n ? BSIZE - at : n;
    block_read(bno, blk);
    memcpy(blk + at, p, m);
    block_write(bno, blk);
    di.size += m;
    p += m;
    n -= m;
  }
  dinode_rw(inum, &di, 1);
}

// Make a new inode of the given type; its number.
static uint
new_inode(short type)
{
  struct dinode di;
  memset(&di, 0, sizeof(di));
  di.type = type;
  di.nlink = 1;
  if (next_free_inum >= super.ninodes) {
    fprintf(stderr, "mkfs: out of inodes\n");
    exit(1);
  }
  dinode_rw(next_free_inum, &di, 1);
  return next_free_inum++;
}

// Add (name, inum) to directory dir.
static void
add_entry(uint dir, const char *name, uint inum)
{
  struct dirent de;
  memset(&de, 0, sizeof(de));
  de.inum = inum;
  strncpy(de.name, name, DIRSIZ);
  append(dir, &de, sizeof(de));
}

// The name a host path gets in the root directory.
static const char *
target_name(const char *path)
{
  if (strncmp(path, "user/_", 6) == 0)
    return path + 6;
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

// Copy host file path into the root directory.
static void
add_file(uint root, const char *path)
{
  const char *name = target_name(path);
  char buf[BSIZE];
  ssize_t n;

  if (strlen(name) > DIRSIZ) {
    fprintf(stderr, "mkfs: name too long: %s\n", name);
    exit(1);
  }
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    perror(path);
    exit(1);
  }
  uint inum = new_inode(T_FILE);
  add_entry(root, name, inum);
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    append(inum, buf, n);
  close(fd);
}

// Mark blocks 0 .. next_free_block-1 used in the bitmap.
static void
write_bitmap(void)
{
  uchar blk[BSIZE];
  for (uint base = 0; base < super.size; base += BPB) {
    memset(blk, 0, BSIZE);
    for (uint b = base; b < next_free_block && b < base + BPB; b++)
      blk[(b - base) / 8] |= 1 << ((b - base) % 8);
    block_write(BBLOCK(base, super), blk);
  }
}

// Compute the layout of fs.h for FSSIZE blocks.
static void
plan_layout(void)
{
  uint ninodeblocks = NINODES / IPB + 1;
  uint nbitmap = FSSIZE / BPB + 1;

  super.magic = FS_MAGIC;
  super.size = FSSIZE;
  super.ninodes = NINODES;
  super.nlog = LOGBLOCKS + 1;
  super.log_start = 2;
  super.inode_start = super.log_start + super.nlog;
  super.bmap_start = super.inode_start + ninodeblocks;
  super.data_start = super.bmap_start + nbitmap;
  super.ndata = FSSIZE - super.data_start;
  next_free_block = super.data_start;
}

int
main(int argc, char *argv[])
{
  uchar blk[BSIZE];

  static_assert(sizeof(struct dinode) == 64, "dinode is 64 bytes");
  static_assert(BSIZE % sizeof(struct dinode) == 0, "whole dinodes per block");
  static_assert(sizeof(struct dirent) == 16, "dirent is 16 bytes");
  if (argc < 2) {
    fprintf(stderr, "usage: mkfs fs.img files...\n");
    return 1;
  }
  img = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0666);
  if (img < 0) {
    perror(argv[1]);
    return 1;
  }
  plan_layout();
  memset(blk, 0, BSIZE);
  for (uint i = 0; i < FSSIZE; i++)
    block_write(i, blk);
  memcpy(blk, &super, sizeof(super));
  block_write(SUPERBLOCK, blk);

  uint root = new_inode(T_DIR);
  assert(root == ROOTINO);
  add_entry(root, ".", root);
  add_entry(root, "..", root);
  for (int i = 2; i < argc; i++)
    add_file(root, argv[i]);
  write_bitmap();
  printf("mkfs: %d blocks: log %d at %d, %d inodes at %d, bitmap at %d, data %d at %d; "
         "%d data blocks used\n",
         super.size, super.nlog, super.log_start, super.ninodes, super.inode_start,
         super.bmap_start, super.ndata, super.data_start, next_free_block - super.data_start);
  close(img);
  return 0;
}
