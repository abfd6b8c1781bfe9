// Wire formats: the headers of every protocol the stack speaks, exactly as they appear
// on the wire (packed, multi-byte fields in network byte order). One header for all of
// them, so a student can lay a hex dump next to this file.
//
//   frame:  | ethhdr 14 | iphdr 20..60 | udphdr 8 / icmphdr 8 | payload |
//           | ethhdr 14 | arphdr 28 |
#pragma once
#include "../types.h"

// Ethernet II (IEEE 802.3 clause 3, "DIX" framing): destination, source, EtherType.
#define ETH_ALEN      6
#define ETH_HLEN      14
#define ETH_ZLEN      60      // minimum frame without FCS; shorter frames are padded
#define ETH_DATA_LEN  1500    // the MTU
#define ETH_FRAME_LEN 1514    // largest frame without FCS
#define ETH_P_IP      0x0800  // EtherTypes (IEEE registry; RFC 894, RFC 826)
#define ETH_P_ARP     0x0806

struct ethhdr {
  uchar h_dest[ETH_ALEN];
  uchar h_source[ETH_ALEN];
  uint16 h_proto;  // EtherType
} __attribute__((packed));

// ARP for Ethernet and IPv4 (RFC 826): the generic header with hlen 6 and plen 4 filled in.
#define ARPHRD_ETHER  1  // ar$hrd: Ethernet (RFC 826; IANA "Hardware Types")
#define ARPOP_REQUEST 1  // ar$op
#define ARPOP_REPLY   2

struct arphdr {
  uint16 ar_hrd;           // hardware type: ARPHRD_ETHER
  uint16 ar_pro;           // protocol type: ETH_P_IP
  uchar ar_hln;            // hardware address length: 6
  uchar ar_pln;            // protocol address length: 4
  uint16 ar_op;            // ARPOP_REQUEST or ARPOP_REPLY
  uchar ar_sha[ETH_ALEN];  // sender hardware address
  uint32 ar_sip;           // sender protocol address
  uchar ar_tha[ETH_ALEN];  // target hardware address
  uint32 ar_tip;           // target protocol address
} __attribute__((packed));

// IPv4 (RFC 791 section 3.1). Options, when present, follow the 20 fixed bytes.
#define IP_VERSION     4
#define IP_HLEN        20      // without options (IHL = 5)
#define IP_TTL_DEFAULT 64      // RFC 1700 "Assigned Numbers": recommended TTL
#define IP_RF          0x8000  // frag_off flags (RFC 791 3.1, "Flags"): reserved,
#define IP_DF          0x4000  //   don't fragment,
#define IP_MF          0x2000  //   more fragments;
#define IP_OFFMASK     0x1fff  //   fragment offset in 8-byte units

struct iphdr {
  uchar ver_ihl;  // version (high 4 bits), header length in words (low 4)
  uchar tos;
  uint16 tot_len;  // header + data, bytes
  uint16 id;
  uint16 frag_off;  // flags and fragment offset
  uchar ttl;
  uchar protocol;  // IPPROTO_ICMP, IPPROTO_UDP (in.h)
  uint16 check;    // header checksum (RFC 791; RFC 1071)
  uint32 saddr;
  uint32 daddr;
} __attribute__((packed));

#define IP_VER(ip) ((ip)->ver_ihl >> 4)
#define IP_HL(ip)  (((ip)->ver_ihl & 0x0f) * 4)  // header length in bytes

// UDP (RFC 768).
#define UDP_HLEN        8
#define UDP_MAX_PAYLOAD (ETH_DATA_LEN - IP_HLEN - UDP_HLEN)  // 1472: no fragmentation

struct udphdr {
  uint16 source;
  uint16 dest;
  uint16 len;    // header + data, bytes
  uint16 check;  // 0 = none; over pseudo-header + header + data
} __attribute__((packed));

// ICMP (RFC 792). The 4 bytes after the checksum depend on the type: identifier and
// sequence number for echo, unused (0) for destination unreachable.
#define ICMP_ECHOREPLY     0
#define ICMP_DEST_UNREACH  3
#define ICMP_ECHO          8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_NET_UNREACH   0  // destination unreachable codes (RFC 792 page 4)
#define ICMP_HOST_UNREACH  1
#define ICMP_PROT_UNREACH  2
#define ICMP_PORT_UNREACH  3
#define ICMP_HLEN          8

struct icmphdr {
  uchar type;
  uchar code;
  uint16 checksum;  // over the whole ICMP message
  uint16 id;        // echo: identifier; otherwise unused
  uint16 sequence;  // echo: sequence number; otherwise unused
} __attribute__((packed));
