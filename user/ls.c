// ls: list files. For a directory, one line per entry; for anything else, one line for
// the file itself. Columns: name, type, inode number, size in bytes.
#define MKFS  // only the on-disk format (struct dirent, DIRSIZ) from kernel/fs.h
#include "user/user.h"
#include "kernel/fs.h"

// A short word for a T_* type.
static const char *
type_name(int type)
{
  switch (type) {
  case T_DIR:
    return "dir";
  case T_FILE:
    return "file";
  case T_DEVICE:
    return "dev";
  case T_SOCKET:
    return "sock";
  case T_PIPE:
    return "pipe";
  }
  return "?";
}

// One line: name, type, inode number, size.
static void
print_entry(const char *name, struct stat *st)
{
  printf("%-14s %-4s %5d %8ld\n", name, type_name(st->type), st->ino, (long)st->size);
}

// List the entries of the open directory fd named path; 0 or -1.
static int
list_dir(int fd, const char *path)
{
  char name[MAXPATH + DIRSIZ + 2], entry[DIRSIZ + 1];
  struct dirent de;
  struct stat st;
  int n, status = 0;

  if (strlen(path) + 1 + DIRSIZ + 1 > sizeof(name)) {
    fprintf(2, "ls: %s: %s\n", path, strerror(ENAMETOOLONG));
    return -1;
  }
  while ((n = read(fd, &de, sizeof(de))) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    memmove(entry, de.name, DIRSIZ);
    entry[DIRSIZ] = 0;
    snprintf(name, sizeof(name), "%s/%s", path, entry);
    if (stat(name, &st) < 0) {
      fprintf(2, "ls: %s: %s\n", name, strerror(errno));
      status = -1;
      continue;
    }
    print_entry(entry, &st);
  }
  if (n < 0) {
    fprintf(2, "ls: %s: %s\n", path, strerror(errno));
    return -1;
  }
  return status;
}

// List one path: a directory's entries or the file itself; 0 or -1.
static int
ls(const char *path)
{
  struct stat st;
  int fd, r = 0;

  if ((fd = open(path, O_RDONLY)) < 0) {
    fprintf(2, "ls: %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: %s: %s\n", path, strerror(errno));
    r = -1;
  } else if (st.type == T_DIR) {
    r = list_dir(fd, path);
  } else {
    print_entry(path, &st);
  }
  close(fd);
  return r;
}

int
main(int argc, char **argv)
{
  int i, status = 0;

  if (argc < 2)
    return ls(".") < 0;
  for (i = 1; i < argc; i++) {
    if (argc > 2 && i > 1)
      printf("\n");
    if (argc > 2)
      printf("%s:\n", argv[i]);
    if (ls(argv[i]) < 0)
      status = 1;
  }
  return status;
}
