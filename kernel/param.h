// Compile-time limits of the kernel. Change them here and nowhere else.
#pragma once

#define NCPU        8                  // maximum number of harts
#define NPROC       64                 // maximum number of processes (incl. kernel threads)
#define NOFILE      16                 // open files per process
#define NFILE       128                // open files per system
#define NINODE      64                 // maximum number of active i-nodes
#define NDEV        10                 // maximum major device number
#define ROOTDEV     1                  // device number of file system root disk
#define MAXARG      32                 // max exec arguments
#define MAXOPBLOCKS 10                 // max # of blocks any FS op writes
#define LOGBLOCKS   (MAXOPBLOCKS * 3)  // max data blocks in on-disk log
#define NBUF        (MAXOPBLOCKS * 6)  // size of disk block cache: the log may pin LOGBLOCKS of them
#define FSSIZE      4000               // size of file system in blocks
#define MAXPATH     128                // maximum file path name
#define USERSTACK   1                  // user stack pages
#define NIRQ        64                 // PLIC interrupt sources we dispatch
