// The user-space library: system calls (generated from kernel/syscalls.tbl into
// user/syscalls.h), errno, string and memory helpers, formatted output, malloc, and
// the network byte-order/address helpers. Every user program includes only this file.
#pragma once
#include <stdarg.h>
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/poll.h"
#include "kernel/sysinfo.h"
#include "kernel/errno.h"
#include "kernel/net/in.h"
#include "user/syscalls.h"

#define NELEM(x) ((int)(sizeof(x) / sizeof((x)[0])))

#ifndef CONSOLE
#define CONSOLE 1  // major device number of the console (kernel/file.h)
#endif

// ulib.c: errno and the system-call error path
extern int errno;
long __syscall_error(long negerr);

// ulib.c: strings and memory
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, int n);
char *strcat(char *dst, const char *src);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, int n);
int strlen(const char *s);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
void *memset(void *dst, int c, uint n);
void *memmove(void *dst, const void *src, int n);
void *memcpy(void *dst, const void *src, uint n);
int memcmp(const void *a, const void *b, uint n);
int atoi(const char *s);
int isdigit(int c);
int isspace(int c);

// ulib.c: input, files, time
char *gets(char *buf, int max);            // one line from fd 0, keeps the '\n'
int readline(int fd, char *buf, int max);  // one line from fd without '\n'; len, or -1 at EOF
int stat(const char *path, struct stat *st);
int writeall(int fd, const void *buf, int n);  // loops over short writes; n or -1
int sleep_ms(int ms);

// printf.c: %d %i %u %x %X %p %s %c %%, l length, width, %.Ns precision, - and 0 flags
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, int size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vfprintf(int fd, const char *fmt, va_list ap);
int vsnprintf(char *buf, int size, const char *fmt, va_list ap);

// umalloc.c
void *malloc(uint n);
void free(void *p);
void *realloc(void *p, uint n);
void *calloc(uint n, uint size);

// errno.c
char *strerror(int err);
void perror(const char *what);

// netlib.c
int inet_aton(const char *s, struct in_addr *a);  // 1 if s is a dotted quad, else 0
char *inet_ntoa(struct in_addr a);                // static buffer
uint32 inet_addr(const char *s);                  // network order; INADDR_BROADCAST on error
int parse_port(const char *s);                    // 1..65535, or -1
int parse_sockaddr(const char *host, const char *port, struct sockaddr_in *sin);  // 0 or -1
char *sockaddr_ntoa(const struct sockaddr_in *sin);  // "a.b.c.d:port", static buffer
char *mac_ntoa(const uchar *mac);                    // "52:54:00:12:34:56", static buffer
uint16 in_cksum(const void *data, int len);          // RFC 1071, ready to store in a header
void put_be16(void *p, int v);                       // 16 bits at p, network order
int get_be16(const void *p);                         // 16 bits at p, network order
