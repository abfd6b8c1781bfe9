// sh: the shell.
//
//   $ cmd arg ...            run a program (looked up as given, then in /)
//   $ a | b | c              pipes
//   $ cmd < in > out         redirection; >> appends
//   $ a ; b      a & b       sequence; & runs the command before it in the background
//   $ (a ; b) > out          grouping in a subshell
//   $ cd dir     exit [n]    built-ins
// Words may be quoted with '...' or "..."; # starts a comment. `sh file` runs a script,
// `sh -c 'cmd'` runs one command line. The shell exits at end of input (^D).
//
// A line is split into tokens, parsed by recursive descent into a tree of nodes, and the
// tree is run: the shell forks for every command except the built-ins.
//   list     := pipeline { (';' | '&') [pipeline] }
//   pipeline := command { '|' command }
//   command  := '(' list ')' { redir } | { word | redir }
//   redir    := ('<' | '>' | '>>') word
#include "user/user.h"

#define LINEMAX   1024
#define MAXTOKENS 256
#define MAXREDIR  8

enum { TK_WORD, TK_PIPE, TK_IN, TK_OUT, TK_APPEND, TK_SEMI, TK_AMP, TK_LPAREN, TK_RPAREN, TK_END };

struct token {
  int kind;
  char *text;  // TK_WORD: the word, quotes removed
};

enum { N_CMD, N_PIPE, N_SEQ, N_BG, N_GROUP };

struct redir {
  int kind;  // TK_IN, TK_OUT or TK_APPEND
  char *file;
};

struct node {
  int kind;
  struct node *left, *right;  // N_PIPE, N_SEQ: both; N_BG, N_GROUP: left
  char *argv[MAXARG + 1];     // N_CMD
  int argc;
  struct redir redirs[MAXREDIR];  // N_CMD and N_GROUP
  int nredir;
};

// Everything one line needs lives in this arena, reset before each line.
static char arena[32 * 1024];
static int arena_used;

static struct token tokens[MAXTOKENS];
static int ntokens, tpos;
static const char *syntax_error;  // set by the parser: the token it could not use

// n zeroed bytes from the line's arena, or 0 when it is full.
static void *
arena_alloc(int n)
{
  void *p;

  n = (n + 15) & ~15;
  if (arena_used + n > sizeof(arena))
    return 0;
  p = arena + arena_used;
  arena_used += n;
  memset(p, 0, n);
  return p;
}

// ---- lexer ----

// Is c an operator character?
static int
is_special(char c)
{
  return c && strchr("|<>;&()", c) != 0;
}

// Read one word starting at *sp (quotes allowed) into the arena; advances *sp.
static char *
lex_word(const char **sp)
{
  const char *s = *sp;
  char *w = arena_alloc(strlen(s) + 1), *d = w;
  char q;

  if (w == 0)
    return 0;
  while (*s && !isspace(*s) && !is_special(*s)) {
    if (*s == '\'' || *s == '"') {
      q = *s++;
      while (*s && *s != q)
        *d++ = *s++;
      if (*s != q) {
        syntax_error = "unterminated quote";
        return 0;
      }
      s++;
    } else {
      *d++ = *s++;
    }
  }
  *d = 0;
  *sp = s;
  return w;
}

// The operator token at s; its length is returned in *len.
static int
lex_op(const char *s, int *len)
{
  *len = 1;
  switch (*s) {
  case '|':
    return TK_PIPE;
  case '<':
    return TK_IN;
  case ';':
    return TK_SEMI;
  case '&':
    return TK_AMP;
  case '(':
    return TK_LPAREN;
  case ')':
    return TK_RPAREN;
  }
  if (s[1] == '>') {
    *len = 2;
    return TK_APPEND;
  }
  return TK_OUT;
}

// Split line into tokens[]; 0, or -1 with syntax_error set.
static int
tokenize(const char *s)
{
  int len;

  ntokens = 0;
  for (;;) {
    while (isspace(*s))
      s++;
    if (*s == 0 || *s == '#')
      break;
    if (ntokens == MAXTOKENS - 1) {
      syntax_error = "line has too many words";
      return -1;
    }
    if (is_special(*s)) {
      tokens[ntokens].kind = lex_op(s, &len);
      tokens[ntokens].text = 0;
      s += len;
    } else {
      tokens[ntokens].kind = TK_WORD;
      if ((tokens[ntokens].text = lex_word(&s)) == 0) {
        if (!syntax_error)
          syntax_error = "line too long";
        return -1;
      }
    }
    ntokens++;
  }
  tokens[ntokens].kind = TK_END;
  tpos = 0;
  return 0;
}

// ---- parser ----

// How a token kind is shown in a syntax error.
static const char *
token_name(int kind)
{
  static const char *const names[] = {
    [TK_WORD] = "word", [TK_PIPE] = "|",          [TK_IN] = "<",  [TK_OUT] = ">",
    [TK_APPEND] = ">>", [TK_SEMI] = ";",          [TK_AMP] = "&", [TK_LPAREN] = "(",
    [TK_RPAREN] = ")",  [TK_END] = "end of line",
  };
  return names[kind];
}

// The kind of the next token.
static int
peek(void)
{
  return tokens[tpos].kind;
}

// Note a syntax error at the current token; returns 0 for the caller to pass up.
static struct node *
parse_fail(void)
{
  if (!syntax_error)
    syntax_error = peek() == TK_WORD ? tokens[tpos].text : token_name(peek());
  return 0;
}

// A new tree node from the arena.
static struct node *
new_node(int kind, struct node *left, struct node *right)
{
  struct node *n = arena_alloc(sizeof(*n));

  if (n == 0) {
    syntax_error = "line too complex";
    return 0;
  }
  n->kind = kind;
  n->left = left;
  n->right = right;
  return n;
}

static struct node *parse_list(void);

// If the next token is a redirection, parse it into n; 1 if one was parsed, 0 if
// none, -1 on a syntax error.
static int
parse_redir(struct node *n)
{
  int kind = peek();

  if (kind != TK_IN && kind != TK_OUT && kind != TK_APPEND)
    return 0;
  tpos++;
  if (peek() != TK_WORD || n->nredir == MAXREDIR) {
    parse_fail();
    return -1;
  }
  n->redirs[n->nredir].kind = kind;
  n->redirs[n->nredir++].file = tokens[tpos++].text;
  return 1;
}

// command := '(' list ')' { redir } | { word | redir }
static struct node *
parse_command(void)
{
  struct node *n, *inner;
  int r;

  if (peek() == TK_LPAREN) {
    tpos++;
    if ((inner = parse_list()) == 0 || peek() != TK_RPAREN)
      return parse_fail();
    tpos++;
    if ((n = new_node(N_GROUP, inner, 0)) == 0)
      return 0;
    while ((r = parse_redir(n)) > 0)
      ;
    return r < 0 ? 0 : n;
  }
  if ((n = new_node(N_CMD, 0, 0)) == 0)
    return 0;
  for (;;) {
    if ((r = parse_redir(n)) < 0)
      return 0;
    if (r > 0)
      continue;
    if (peek() != TK_WORD)
      break;
    if (n->argc == MAXARG) {
      syntax_error = "too many arguments";
      return 0;
    }
    n->argv[n->argc++] = tokens[tpos++].text;
  }
  if (n->argc == 0 && n->nredir == 0)
    return parse_fail();
  return n;
}

// pipeline := command { '|' command }
static struct node *
parse_pipeline(void)
{
  struct node *n, *right;

  if ((n = parse_command()) == 0)
    return 0;
  while (peek() == TK_PIPE) {
    tpos++;
    if ((right = parse_command()) == 0 || (n = new_node(N_PIPE, n, right)) == 0)
      return 0;
  }
  return n;
}

// list := pipeline { (';' | '&') [pipeline] }
static struct node *
parse_list(void)
{
  struct node *first, *rest;
  int sep;

  if ((first = parse_pipeline()) == 0)
    return 0;
  sep = peek();
  if (sep != TK_SEMI && sep != TK_AMP)
    return first;
  tpos++;
  if (sep == TK_AMP && (first = new_node(N_BG, first, 0)) == 0)
    return 0;
  if (peek() == TK_END || peek() == TK_RPAREN)
    return first;
  if ((rest = parse_list()) == 0)
    return 0;
  return new_node(N_SEQ, first, rest);
}

// Parse a whole line; the tree, or 0 for an empty line or a syntax error.
static struct node *
parse_line(const char *line)
{
  struct node *n;

  arena_used = 0;
  syntax_error = 0;
  if (tokenize(line) < 0 || peek() == TK_END)
    return 0;
  if ((n = parse_list()) == 0 || peek() != TK_END)
    return parse_fail();
  return n;
}

// ---- execution ----

static int run(struct node *n);
static void run_in_child(struct node *n) __attribute__((noreturn));

// Open r's file on descriptor 0 or 1, as redirection r asks; 0 or -1 (message printed).
static int
apply_redir(struct redir *r)
{
  int fd, target = r->kind == TK_IN ? 0 : 1;
  int flags = r->kind == TK_IN    ? O_RDONLY
              : r->kind == TK_OUT ? O_WRONLY | O_CREATE | O_TRUNC
                                  : O_RDWR | O_CREATE;
  struct stat st;
  char skip[512];

  if ((fd = open(r->file, flags)) < 0) {
    fprintf(2, "sh: %s: %s\n", r->file, strerror(errno));
    return -1;
  }
  // no lseek: move the offset to the end of a file by reading (never of a device)
  if (r->kind == TK_APPEND && fstat(fd, &st) == 0 && st.type == T_FILE)
    while (read(fd, skip, sizeof(skip)) > 0)
      ;
  if (fd != target) {
    close(target);
    dup(fd);
    close(fd);
  }
  return 0;
}

// Apply every redirection of n, in order; 0 or -1.
static int
apply_redirs(struct node *n)
{
  int i;

  for (i = 0; i < n->nredir; i++)
    if (apply_redir(&n->redirs[i]) < 0)
      return -1;
  return 0;
}

// Run a built-in command if argv names one; 1 if it did (status in *status), else 0.
static int
builtin(struct node *n, int *status)
{
  if (n->argc == 0)
    return 0;
  if (strcmp(n->argv[0], "cd") == 0) {
    const char *dir = n->argc > 1 ? n->argv[1] : "/";
    *status = 0;
    if (chdir(dir) < 0) {
      fprintf(2, "cd: %s: %s\n", dir, strerror(errno));
      *status = 1;
    }
    return 1;
  }
  if (strcmp(n->argv[0], "exit") == 0)
    exit(n->argc > 1 ? atoi(n->argv[1]) : 0);
  return 0;
}

// Exec a simple command in this (child) process.
static void
exec_command(struct node *n)
{
  char path[MAXPATH];
  int err, status;

  if (apply_redirs(n) < 0)
    exit(1);
  if (n->argc == 0)
    exit(0);
  if (builtin(n, &status))
    exit(status);
  n->argv[n->argc] = 0;
  exec(n->argv[0], n->argv);
  err = errno;
  if (err == ENOENT && strchr(n->argv[0], '/') == 0 && strlen(n->argv[0]) + 2 < MAXPATH) {
    snprintf(path, sizeof(path), "/%s", n->argv[0]);
    exec(path, n->argv);
    err = errno;
  }
  fprintf(2, "exec %s failed: %s\n", n->argv[0], strerror(err));
  exit(127);
}

// fork, with a message on failure.
static int
fork_or_warn(void)
{
  int pid = fork();

  if (pid < 0)
    fprintf(2, "sh: fork: %s\n", strerror(errno));
  return pid;
}

// Wait for child pid and return its exit status. (Background jobs are never the
// shell's children: see run_background.)
static int
wait_for(int pid)
{
  int got, status;

  while ((got = wait(&status)) != pid)
    if (got < 0)
      return -1;
  return status;
}

// Run a | b in this (child) process: a child for each side; the status is b's.
static void
run_pipe(struct node *n)
{
  int p[2], left, right = -1, got, st, status, done;

  if (pipe(p) < 0) {
    fprintf(2, "sh: pipe: %s\n", strerror(errno));
    exit(1);
  }
  if ((left = fork_or_warn()) == 0) {
    close(1);
    dup(p[1]);
    close(p[0]);
    close(p[1]);
    run_in_child(n->left);
  }
  if (left > 0 && (right = fork_or_warn()) == 0) {
    close(0);
    dup(p[0]);
    close(p[0]);
    close(p[1]);
    run_in_child(n->right);
  }
  close(p[0]);
  close(p[1]);
  if (left < 0 || right < 0)
    exit(1);
  // the two sides end in either order; the pipeline's status is the right side's
  status = 0;
  for (done = 0; done < 2 && (got = wait(&st)) >= 0; done++)
    if (got == right)
      status = st;
  exit(status);
}

// Run n in this process, which is a child of the shell; never returns.
static void
run_in_child(struct node *n)
{
  switch (n->kind) {
  case N_CMD:
    exec_command(n);
    break;
  case N_PIPE:
    run_pipe(n);
    break;
  case N_GROUP:
    if (apply_redirs(n) < 0)
      exit(1);
    exit(run(n->left));
  }
  exit(run(n));
}

// Start n in the background. An intermediate child forks the job, prints its pid and
// exits at once, so the job becomes init's child: init reaps it, and the shell, which
// cannot wait without blocking, never collects zombies.
static int
run_background(struct node *n)
{
  int mid, job;

  if ((mid = fork_or_warn()) < 0)
    return 1;
  if (mid == 0) {
    if ((job = fork_or_warn()) == 0)
      run_in_child(n);
    if (job > 0)
      fprintf(2, "[%d]\n", job);
    exit(job < 0);
  }
  return wait_for(mid);
}

// Run n from the shell itself; its exit status.
static int
run(struct node *n)
{
  int pid, status;

  switch (n->kind) {
  case N_SEQ:
    run(n->left);
    return run(n->right);
  case N_BG:
    return run_background(n->left);
  case N_CMD:
    if (n->nredir == 0 && builtin(n, &status))
      return status;
  }
  if ((pid = fork_or_warn()) < 0)
    return 1;
  if (pid == 0)
    run_in_child(n);
  return wait_for(pid);
}

// Is fd 0 a terminal (the console), so that a prompt makes sense?
static int
interactive(void)
{
  struct stat st;

  return fstat(0, &st) == 0 && st.type == T_DEVICE;
}

// Parse and run one line; its status.
static int
run_line(const char *line)
{
  struct node *n = parse_line(line);

  if (syntax_error) {
    fprintf(2, "sh: syntax error near '%s'\n", syntax_error);
    return 2;
  }
  return n ? run(n) : 0;
}

int
main(int argc, char **argv)
{
  static char line[LINEMAX];
  int fd, prompt;

  if (argc == 3 && strcmp(argv[1], "-c") == 0)
    return run_line(argv[2]);
  if (argc == 2) {
    if ((fd = open(argv[1], O_RDONLY)) < 0) {
      fprintf(2, "sh: %s: %s\n", argv[1], strerror(errno));
      return 1;
    }
    close(0);
    dup(fd);
    close(fd);
  }
  prompt = interactive();
  for (;;) {
    if (prompt)
      fprintf(2, "$ ");
    if (readline(0, line, sizeof(line)) < 0)
      break;
    run_line(line);
  }
  return 0;
}
