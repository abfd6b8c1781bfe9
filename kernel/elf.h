// The parts of the ELF-64 format exec() reads: the file header and program headers.
// Field layout from the System V ABI, "ELF-64 Object File Format" 1.5, sections 3-4.
#pragma once
#include "types.h"

#define ELF_MAGIC   0x464c457fU  // "\x7fELF" read as a little-endian word
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ET_EXEC     2
#define EM_RISCV    243

struct elfhdr {
  uint32 magic;
  uchar class;  // e_ident[EI_CLASS]
  uchar data;   // e_ident[EI_DATA]
  uchar version_id;
  uchar pad[9];
  uint16 type;
  uint16 machine;
  uint32 version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint32 flags;
  uint16 ehsize;
  uint16 phentsize;
  uint16 phnum;
  uint16 shentsize;
  uint16 shnum;
  uint16 shstrndx;
};

#define PT_LOAD 1
#define PF_X    1
#define PF_W    2
#define PF_R    4

struct proghdr {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};
