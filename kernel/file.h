// Open files: the object a file descriptor names, whatever is behind it.
#pragma once
#include "types.h"

struct socket;
struct pipe;
struct inode;
struct stat;

struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE, FD_SOCKET } type;
  int ref;  // reference count (dup, fork); ftable.lock guards it
  char readable;
  char writable;
  struct pipe *pipe;    // FD_PIPE
  struct inode *ip;     // FD_INODE and FD_DEVICE
  uint off;             // FD_INODE
  short major;          // FD_DEVICE
  struct socket *sock;  // FD_SOCKET
};

// A device: its read/write move n bytes to/from addr (a user address when user != 0).
struct devsw {
  int (*read)(int user, uint64 addr, int n);
  int (*write)(int user, uint64 addr, int n);
  int (*poll)(int events);
};
extern struct devsw devsw[];
#define CONSOLE 1

void file_init(void);
struct file *filealloc(void);
struct file *filedup(struct file *f);
void fileclose(struct file *f);
int filestat(struct file *f, uint64 addr);          // 0 or -errno
int fileread(struct file *f, uint64 addr, int n);   // bytes or -errno
int filewrite(struct file *f, uint64 addr, int n);  // bytes or -errno
int file_poll(struct file *f, int events);          // ready events (POLLIN/POLLOUT/POLLHUP...)

// pipe.c
int pipealloc(struct file **rf, struct file **wf);  // 0 or -errno
void pipeclose(struct pipe *pi, int writable);
int piperead(struct pipe *pi, uint64 addr, int n);         // bytes (0 = EOF) or -errno
int pipewrite(struct pipe *pi, uint64 addr, int n);        // bytes or -EPIPE/-EINTR
int pipe_poll(struct pipe *pi, int writable, int events);  // ready POLL* bits of one end
