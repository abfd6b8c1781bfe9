// The file system: on-disk format (shared with mkfs/mkfs.c) and the kernel's interface
// to it (buffer cache, log, inodes, directories, path names).
//
// The disk is an array of BSIZE-byte blocks. mkfs writes this layout once; the kernel
// reads the superblock at mount time and never moves the regions afterwards.
//
//   block:  0      1       2 ...           inode_start ... bmap_start ... data_start ... size-1
//         +------+-------+----------------+---------------+--------------+------------------+
//         | boot | super | log            | inode table   | free bitmap  | data blocks      |
//         |unused| block | header block,  | IPB dinodes   | 1 bit per    | file contents,   |
//         |      |       | then LOGBLOCKS | per block;    | block of the | directories,     |
//         |      |       | block copies   | inode 0 unused| whole disk   | index blocks     |
//         +------+-------+----------------+---------------+--------------+------------------+
//   (mkfs with FSSIZE 4000, LOGBLOCKS 30, 1000 inodes: log 2-32, inodes 33-95, bitmap 96,
//   data 97-3999.)
//
// Crash safety: every block a system call changes goes through the write-ahead log
// (log.c). A transaction is committed by writing its blocks into the log region and then
// the log header with the count; only after that are the blocks written to their home
// locations. Mounting replays a committed log, so a crash leaves either none or all of
// a transaction on disk.
//
// A file's data is found through its inode's addrs[]:
//   addrs[0 .. NDIRECT-1]   data blocks 0 .. NDIRECT-1
//   addrs[NDIRECT]          a block of NINDIRECT block numbers (single indirect)
//   addrs[NDIRECT+1]        a block of NINDIRECT numbers of single-indirect blocks
// A directory is a file of struct dirent; inum 0 marks a free slot. The root is inode 1.
//
// Interface, in the order a system call uses it:
//   begin_op(); ip = namei(path); ilock(ip); readi/writei(ip, ...); iunlockput(ip); end_op();
// Blocks themselves: b = bread(dev, blockno); ... log_write(b) (inside a transaction);
// brelse(b).
#pragma once
#include "types.h"
#include "sleeplock.h"
#include "list.h"

#define BSIZE      1024        // block size in bytes
#define FS_MAGIC   0x52564653  // "RVFS" little-endian, first word of the superblock
#define ROOTINO    1           // inode number of "/"
#define SUPERBLOCK 1           // block number of the superblock

// Block 1. All fields are block numbers or counts, little-endian (RISC-V and x86 hosts).
struct superblock {
  uint magic;        // FS_MAGIC
  uint size;         // total blocks on the disk
  uint ndata;        // number of data blocks
  uint ninodes;      // number of inodes
  uint nlog;         // number of log blocks (header + LOGBLOCKS)
  uint log_start;    // first log block (the log header)
  uint inode_start;  // first inode-table block
  uint bmap_start;   // first free-bitmap block
  uint data_start;   // first data block
};

#define NDIRECT   11
#define NINDIRECT (BSIZE / sizeof(uint))
#define MAXFILE   (NDIRECT + NINDIRECT + NINDIRECT * NINDIRECT)  // blocks

// An inode on disk: 64 bytes, so IPB of them fill a block.
struct dinode {
  short type;   // T_DIR, T_FILE, T_DEVICE (stat.h); 0 = free
  short major;  // T_DEVICE: devsw index
  short minor;
  short nlink;              // directory entries naming this inode
  uint size;                // bytes
  uint addrs[NDIRECT + 2];  // direct, single indirect, double indirect
};

#define IPB           (BSIZE / sizeof(struct dinode))  // inodes per block
#define IBLOCK(i, sb) ((i) / IPB + (sb).inode_start)   // block holding inode i
#define BPB           (BSIZE * 8)                      // bitmap bits per block
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmap_start)    // bitmap block holding bit b

#define DIRSIZ 14
// A directory entry: 16 bytes. name is NUL-padded, not NUL-terminated when DIRSIZ long.
struct dirent {
  ushort inum;
  char name[DIRSIZ];
};

#ifndef MKFS  // everything below is kernel-only

// An inode in memory: a slot of the inode cache (fs.c says how ref and valid work).
// itable.lock guards dev, inum, ref and the two links; lock (a sleep lock) guards valid
// and the copy of the dinode below it.
struct inode {
  uint dev;
  uint inum;
  int ref;                  // in-memory references (open files, cwd, path walks)
  struct inode *hash_next;  // next slot in the same hash chain
  struct list free;         // free list (ref == 0 only): next toward the longest free
  struct sleeplock lock;
  int valid;  // fields below hold the dinode's contents
  short type;
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT + 2];
};

struct stat;

// bio.c: the buffer cache
void bcache_init(void);
struct buf *bread(uint dev, uint blockno);  // returns the block sleep-locked
void bwrite(struct buf *b);                 // write to disk now (log.c only)
void brelse(struct buf *b);
void bpin(struct buf *b);  // keep in the cache (log holds it)
void bunpin(struct buf *b);

// log.c: transactions
void log_init(int dev, struct superblock *sb);  // replays a committed log
void begin_op(void);            // start a system call's transaction (may sleep for room)
void end_op(void);              // finish it; the last one out commits
void log_write(struct buf *b);  // record that b was modified in this transaction

// fs.c: mount, inodes, directories, path names
extern struct superblock sb;
void inode_init(void);
void fs_init(int dev);  // mount: read the superblock, recover the log. Process context.
struct inode *ialloc(uint dev, short type);
struct inode *idup(struct inode *ip);
void ilock(struct inode *ip);
void iunlock(struct inode *ip);
void iput(struct inode *ip);  // inside a transaction: may free the inode
void iunlockput(struct inode *ip);
void iupdate(struct inode *ip);  // copy ip's fields to disk (inside a transaction)
void itrunc(struct inode *ip);
void stati(struct inode *ip, struct stat *st);
int readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);   // bytes or -1
int writei(struct inode *ip, int user_src, uint64 src, uint off, uint n);  // bytes or -errno
int namecmp(const char *s, const char *t);
struct inode *dirlookup(struct inode *dp, char *name, uint *poff);
int dirlink(struct inode *dp, char *name, uint inum);  // 0 or -errno
struct inode *namei(char *path);
struct inode *nameiparent(char *path, char *name);
// Like namei/nameiparent but says why it failed: -ENOENT, -ENOTDIR, -ENAMETOOLONG.
struct inode *namei_err(char *path, int parent, char *name, int *err);

// virtio_disk.c
void virtio_disk_init(void);
void virtio_disk_rw(struct buf *b, int write);
void virtio_disk_submit(struct buf *b, uint blockno, int write);  // b->data <-> blockno, no wait
void virtio_disk_wait(struct buf *b);                             // until b's request is done
void virtio_disk_intr(void *arg);

#endif
