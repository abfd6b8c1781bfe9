// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
// sum of the data taken as 16-bit big-endian words (an odd last byte padded with zero).
//
// Interface: sum pieces with csum_partial (each piece but the last of even length),
// then csum_fold gives the value to store in the header field; csum_copy_from_user sums
// a piece while it copies it in from user memory. Checking a received header:
// inet_csum over it, checksum field included, is 0 when it is intact.
#include "../types.h"
#include "../defs.h"
#include "in.h"
#include "ip.h"

// The one loop behind csum_partial and csum_copy_from_user: add the bytes of src to the
// running sum as big-endian 16-bit words and, with copy, store them at dst on the way
// (one load of each word for both). Always inlined with copy a constant, so that each
// caller gets a loop of its own, without the test.
// The loop adds whole 64-bit words as the CPU loads them (little-endian): RFC 1071 2(B)
// lets the sum be taken in either byte order and in wider words, as long as the carries
// are folded back in and the result is byte-swapped at the end. A quarter of the
// iterations of a 16-bit loop, no byte assembly, and unrolled: under QEMU each pass of a
// loop is a block of translated code, and a 1400-byte datagram is summed on every send.
static inline __attribute__((always_inline)) uint32
csum_words(uchar *dst, const uchar *src, uint len, uint32 sum, int copy)
{
  uint64 acc = 0;  // sum of little-endian 16-bit words, carries folded back in

  // Words at a time if src is 4-aligned (and dst sits the same way in 8 bytes).
  if ((uint64)src % 4 == 0 && (!copy || ((uint64)dst ^ (uint64)src) % 8 == 0)) {
    if ((uint64)src % 8 != 0 && len >= 4) {
      uint32 w = *(const uint32 *)src;  // two words at once
      if (copy)
        *(uint32 *)dst = w;
      acc += w;
      src += 4, dst += 4, len -= 4;
    }
#pragma GCC unroll 4
    for (; len >= 8; len -= 8, src += 8, dst += 8) {
      uint64 w = *(const uint64 *)src;  // four words at once
      if (copy)
        *(uint64 *)dst = w;
      acc += w;
      acc += acc < w;  // end-around carry: 2^64 = 1 (mod 2^16 - 1)
    }
    if (len >= 4) {
      uint32 w = *(const uint32 *)src;
      if (copy)
        *(uint32 *)dst = w;
      acc += w;
      acc += acc < w;
      src += 4, dst += 4, len -= 4;
    }
  }
  for (; len >= 2; len -= 2, src += 2, dst += 2) {
    uint a = src[0], b = src[1];
    if (copy)
      dst[0] = a, dst[1] = b;
    acc += a | (b << 8);
  }
  if (len == 1) {
    if (copy)
      dst[0] = src[0];
    acc += src[0];  // RFC 1071 4.1: the odd byte, padded with zero (its high half here)
  }
  acc = fold16(acc);
  acc = ((acc & 0xff) << 8) | (acc >> 8);  // back to big-endian words
  return (uint32)fold16(acc + sum);
}

// Add the bytes of buf to the running sum, as big-endian 16-bit words.
uint32
csum_partial(const void *buf, uint len, uint32 sum)
{
  return csum_words(0, buf, len, sum, 0);  // no copy: dst is never used
}

// copy_from_user, and csum_partial of what it copied added to *sum, in one pass over the
// data: UDP's send path, where every byte a program sends is both copied and summed.
// 0, or -EFAULT (dst and *sum then partly written).
int
csum_copy_from_user(void *dst, uint64 src, uint len, uint32 *sum)
{
  const uchar *p;
  uint64 n;
  uint32 s;

  if (len == 0)
    return copy_from_user(dst, src, 0);  // checks src as any copy does
  for (uint done = 0; done < len; done += n) {
    if ((p = user_chunk(src + done, len - done, &n)) == 0)
      return -EFAULT;
    s = csum_words((uchar *)dst + done, p, n, 0, 1);
    if (done % 2 != 0)  // a page boundary mid-word: this piece's bytes are the other
      s = ((s & 0xff) << 8) | (s >> 8);  // halves of their words [RFC 1071 2(B)]
    *sum = (uint32)fold16(*sum + s);
  }
  return 0;
}
