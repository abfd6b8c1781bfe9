// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
// sum of the data taken as 16-bit big-endian words (an odd last byte padded with zero).
//
// Interface: sum pieces with csum_partial (each piece but the last of even length),
// then csum_fold gives the value to store in the header field. Checking a received
// header: inet_csum over it, checksum field included, is 0 when it is intact.
#include "../types.h"
#include "in.h"
#include "ip.h"

// Add the bytes of buf to the running sum, as big-endian 16-bit words.
// The loop adds whole 64-bit words as the CPU loads them (little-endian): RFC 1071 2(B)
// lets the sum be taken in either byte order and in wider words, as long as the carries
// are folded back in and the result is byte-swapped at the end. A quarter of the
// iterations of a 16-bit loop, no byte assembly, and unrolled: under QEMU each pass of a
// loop is a block of translated code, and a 1400-byte datagram is summed on every send.
uint32
csum_partial(const void *buf, uint len, uint32 sum)
{
  const uchar *p = buf;
  uint64 acc = 0;  // sum of little-endian 16-bit words, carries folded back in

  if ((uint64)p % 4 == 0) {
    if ((uint64)p % 8 != 0 && len >= 4) {
      acc += *(const uint32 *)p;  // two words at once
      p += 4;
      len -= 4;
    }
#pragma GCC unroll 4
    for (; len >= 8; len -= 8, p += 8) {
      uint64 w = *(const uint64 *)p;  // four words at once
      acc += w;
      acc += acc < w;  // end-around carry: 2^64 = 1 (mod 2^16 - 1)
    }
    if (len >= 4) {
      uint64 w = *(const uint32 *)p;
      acc += w;
      acc += acc < w;
      p += 4;
      len -= 4;
    }
  }
  for (; len >= 2; len -= 2, p += 2)
    acc += p[0] | (p[1] << 8);
  if (len == 1)
    acc += p[0];  // RFC 1071 4.1: the odd byte, padded with zero (its high half here)
  acc = fold16(acc);
  acc = ((acc & 0xff) << 8) | (acc >> 8);  // back to big-endian words
  return (uint32)fold16(acc + sum);
}
