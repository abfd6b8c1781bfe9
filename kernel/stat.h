// fstat(2): what a file is. Shared with user space.
#pragma once
#include "types.h"

#define T_DIR    1  // directory
#define T_FILE   2  // regular file
#define T_DEVICE 3  // device
#define T_SOCKET 4  // socket (fstat on a socket descriptor)
#define T_PIPE   5  // pipe

struct stat {
  int dev;      // file system's disk device
  uint ino;     // inode number
  short type;   // T_*
  short nlink;  // number of links to the file
  uint64 size;  // size of file in bytes
};
