// Fixed-size integer types used throughout the kernel and user space.
#pragma once

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;
typedef long int64;

typedef uint64 pte_t;
typedef uint64 *pagetable_t;  // 512 PTEs

#ifndef NULL
#define NULL ((void *)0)
#endif
