// grep: print the lines of each file (or standard input) that match a small regular
// expression. Syntax: c (literal), . (any char), x* (zero or more x), ^ at the start and
// $ at the end anchor the match, \c quotes c. Exit status 0 if a line matched, 1 if
// none did, 2 on an error.
#include "user/user.h"

#define MAXATOMS 128
#define ANY      -1  // atom matching any character

// The compiled pattern: a sequence of atoms, each one character (or ANY), maybe starred.
struct atom {
  int c;
  int star;
};

struct pattern {
  struct atom atoms[MAXATOMS];
  int n;
  int at_start;  // ^: only at the start of the line
  int at_end;    // $: only at the end of the line
};

// Compile re into p; 0, or -1 if it is malformed or too long.
static int
compile(const char *re, struct pattern *p)
{
  int len = strlen(re);

  memset(p, 0, sizeof(*p));
  if (*re == '^') {
    p->at_start = 1;
    re++;
    len--;
  }
  if (len > 0 && re[len - 1] == '$' && (len < 2 || re[len - 2] != '\\')) {
    p->at_end = 1;
    len--;
  }
  for (; len > 0; re++, len--) {
    if (*re == '*') {
      if (p->n == 0 || p->atoms[p->n - 1].star)
        return -1;
      p->atoms[p->n - 1].star = 1;
      continue;
    }
    if (p->n == MAXATOMS)
      return -1;
    if (*re == '\\' && len > 1) {
      re++;
      len--;
      p->atoms[p->n++].c = (uchar)*re;
    } else {
      p->atoms[p->n++].c = *re == '.' ? ANY : (uchar)*re;
    }
  }
  return 0;
}

// Does atom a match the character c (never the NUL at the end)?
static int
atom_matches(struct atom *a, char c)
{
  return c != 0 && (a->c == ANY || a->c == (uchar)c);
}

// Does the pattern from atom i on match text (at its start)?
static int
match_from(struct pattern *p, int i, const char *text)
{
  int k;

  for (; i < p->n; i++) {
    if (p->atoms[i].star) {
      // greedy: take as many as possible, then give back one at a time
      for (k = 0; atom_matches(&p->atoms[i], text[k]); k++)
        ;
      for (; k >= 0; k--)
        if (match_from(p, i + 1, text + k))
          return 1;
      return 0;
    }
    if (!atom_matches(&p->atoms[i], *text))
      return 0;
    text++;
  }
  return !p->at_end || *text == 0;
}

// Does the pattern match anywhere in line?
static int
match_line(struct pattern *p, const char *line)
{
  if (p->at_start)
    return match_from(p, 0, line);
  do {
    if (match_from(p, 0, line))
      return 1;
  } while (*line++);
  return 0;
}

// Print line (with a file-name prefix) if it matches; 1 if it did.
static int
grep_line(struct pattern *p, char *line, const char *prefix)
{
  if (!match_line(p, line))
    return 0;
  printf("%s%s\n", prefix, line);
  return 1;
}

// Print the matching lines of fd; the number printed, or -1 on a read error. A line
// longer than the buffer is matched in pieces.
static int
grep_fd(struct pattern *p, int fd, const char *prefix)
{
  static char buf[4096];
  int have = 0, n, matched = 0;
  char *line, *nl;

  for (;;) {
    if ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) < 0)
      return -1;
    have += n;
    buf[have] = 0;
    line = buf;
    while ((nl = strchr(line, '\n')) != 0) {
      *nl = 0;
      matched += grep_line(p, line, prefix);
      line = nl + 1;
    }
    have -= line - buf;
    memmove(buf, line, have);
    if (n == 0 || have == sizeof(buf) - 1) {
      // end of input, or a line too long for the buffer
      buf[have] = 0;
      if (have > 0)
        matched += grep_line(p, buf, prefix);
      have = 0;
      if (n == 0)
        return matched;
    }
  }
}

int
main(int argc, char **argv)
{
  struct pattern pat;
  char prefix[MAXPATH + 2];
  int i, fd, r, matched = 0, error = 0;

  if (argc < 2) {
    fprintf(2, "usage: grep pattern [file...]\n");
    return 2;
  }
  if (compile(argv[1], &pat) < 0) {
    fprintf(2, "grep: %s: bad pattern\n", argv[1]);
    return 2;
  }
  if (argc == 2) {
    r = grep_fd(&pat, 0, "");
    if (r < 0)
      fprintf(2, "grep: stdin: %s\n", strerror(errno));
    return r < 0 ? 2 : r == 0;
  }
  for (i = 2; i < argc; i++) {
    if ((fd = open(argv[i], O_RDONLY)) < 0) {
      fprintf(2, "grep: %s: %s\n", argv[i], strerror(errno));
      error = 1;
      continue;
    }
    snprintf(prefix, sizeof(prefix), "%s:", argv[i]);
    if ((r = grep_fd(&pat, fd, argc > 3 ? prefix : "")) < 0) {
      fprintf(2, "grep: %s: %s\n", argv[i], strerror(errno));
      error = 1;
    } else {
      matched += r;
    }
    close(fd);
  }
  return error ? 2 : matched == 0;
}
