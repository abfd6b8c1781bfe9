// Intel 82540EM (QEMU `-device e1000`): register offsets, register bits and the legacy
// descriptor layouts, and nothing else. The driver (e1000.c) is the only user.
// Source: Intel "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
// Manual" (8254x): chapter 13 (registers), 3.2 (receive), 3.3 (transmit), 14 (init).
// Offsets are bytes from BAR0; every access is 32 bits wide.
#pragma once
#include "types.h"

// General registers [8254x 13.4]
#define E1000_CTRL   0x0000  // device control [13.4.1]
#define E1000_STATUS 0x0008  // device status [13.4.2]
#define E1000_EERD   0x0014  // EEPROM read [13.4.4]
#define E1000_ICR    0x00C0  // interrupt cause read; reading clears it [13.4.17]
#define E1000_ITR    0x00C4  // interrupt throttling [13.4.18]
#define E1000_ICS    0x00C8  // interrupt cause set [13.4.19]
#define E1000_IMS    0x00D0  // interrupt mask set (enable) [13.4.20]
#define E1000_IMC    0x00D8  // interrupt mask clear (disable) [13.4.21]
#define E1000_RCTL   0x0100  // receive control [13.4.22]
#define E1000_TCTL   0x0400  // transmit control [13.4.33]
#define E1000_TIPG   0x0410  // transmit inter-packet gap [13.4.34]

// Receive ring [8254x 13.4.25 - 13.4.30]
#define E1000_RDBAL 0x2800  // ring base, low 32 bits
#define E1000_RDBAH 0x2804  // ring base, high 32 bits
#define E1000_RDLEN 0x2808  // ring length in bytes (multiple of 128)
#define E1000_RDH   0x2810  // head: next slot the NIC fills
#define E1000_RDT   0x2818  // tail: one past the last slot software gave the NIC
#define E1000_RDTR  0x2820  // receive interrupt delay
#define E1000_RADV  0x282C  // receive absolute interrupt delay

// Transmit ring [8254x 13.4.36 - 13.4.40]
#define E1000_TDBAL 0x3800
#define E1000_TDBAH 0x3804
#define E1000_TDLEN 0x3808
#define E1000_TDH   0x3810  // head: next descriptor the NIC sends
#define E1000_TDT   0x3818  // tail: writing it is the doorbell
#define E1000_TADV  0x382C  // transmit absolute interrupt delay

// Address filters [8254x 13.5]
#define E1000_MTA       0x5200  // multicast table, 128 words [13.5.1]
#define E1000_MTA_WORDS 128
#define E1000_RAL0      0x5400      // receive address 0, MAC bytes 0-3 [13.5.2]
#define E1000_RAH0      0x5404      // receive address 0, MAC bytes 4-5 in 15:0 [13.5.3]
#define E1000_RAH_AV    (1u << 31)  // address valid

// CTRL bits [8254x 13.4.1]
#define E1000_CTRL_SLU (1u << 6)   // set link up
#define E1000_CTRL_RST (1u << 26)  // device reset (self-clearing)

// STATUS bits [8254x 13.4.2]
#define E1000_STATUS_FD (1u << 0)  // full duplex
#define E1000_STATUS_LU (1u << 1)  // link up

// EERD [8254x 13.4.4]: write START and the word address, poll DONE, data in 31:16
#define E1000_EERD_START      (1u << 0)
#define E1000_EERD_DONE       (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16

// Interrupt causes, the same bits in ICR, ICS, IMS and IMC [8254x 13.4.17]
#define E1000_ICR_TXDW   0x01  // a descriptor with RS was written back
#define E1000_ICR_TXQE   0x02  // transmit queue empty
#define E1000_ICR_LSC    0x04  // link status change
#define E1000_ICR_RXDMT0 0x10  // receive ring below its minimum threshold
#define E1000_ICR_RXO    0x40  // receiver overrun (no free descriptor)
#define E1000_ICR_RXT0   0x80  // receive timer: frames are waiting

// RCTL bits [8254x 13.4.22]
#define E1000_RCTL_EN         (1u << 1)   // receiver enable
#define E1000_RCTL_UPE        (1u << 3)   // unicast promiscuous
#define E1000_RCTL_MPE        (1u << 4)   // multicast promiscuous
#define E1000_RCTL_LPE        (1u << 5)   // long packets (> 1522 bytes)
#define E1000_RCTL_BAM        (1u << 15)  // accept broadcast
#define E1000_RCTL_BSIZE_2048 (0u << 16)  // BSIZE = 00 with BSEX = 0: 2048-byte buffers
#define E1000_RCTL_BSEX       (1u << 25)
#define E1000_RCTL_SECRC      (1u << 26)  // strip the Ethernet CRC

// TCTL bits [8254x 13.4.33]
#define E1000_TCTL_EN         (1u << 1)
#define E1000_TCTL_PSP        (1u << 3)  // pad short packets
#define E1000_TCTL_CT_SHIFT   4          // collision threshold, 11:4
#define E1000_TCTL_COLD_SHIFT 12         // collision distance, 21:12
#define E1000_TCTL_CT         0x10
#define E1000_TCTL_COLD_FD    0x40  // full duplex value

// TIPG [8254x 13.4.34]: IPGT 9:0, IPGR1 19:10, IPGR2 29:20 (recommended 10, 8, 6)
#define E1000_TIPG_VALUE (10 | (8 << 10) | (6 << 20))

// Legacy transmit descriptor, 16 bytes [8254x 3.3.3]
struct e1000_tx_desc {
  uint64 addr;    // physical address of the frame
  uint16 length;  // bytes to send from addr
  uint8 cso;      // checksum offset (unused)
  uint8 cmd;      // E1000_TXD_CMD_*
  uint8 status;   // E1000_TXD_STAT_*, written back by the NIC
  uint8 css;      // checksum start (unused)
  uint16 special;
};

#define E1000_TXD_CMD_EOP  0x01  // end of packet
#define E1000_TXD_CMD_IFCS 0x02  // insert the Ethernet CRC
#define E1000_TXD_CMD_RS   0x08  // report status: write DD back
#define E1000_TXD_STAT_DD  0x01  // descriptor done

// Legacy receive descriptor, 16 bytes [8254x 3.2.3]
struct e1000_rx_desc {
  uint64 addr;    // physical address of a SKB_BUF_SIZE buffer
  uint16 length;  // bytes the NIC wrote
  uint16 csum;
  uint8 status;  // E1000_RXD_STAT_*
  uint8 errors;  // E1000_RXD_ERR_*
  uint16 special;
};

#define E1000_RXD_STAT_DD  0x01  // descriptor done: the NIC filled it
#define E1000_RXD_STAT_EOP 0x02  // last descriptor of a frame
#define E1000_RXD_ERR_CE   0x01  // CRC or alignment error
#define E1000_RXD_ERR_SE   0x02  // symbol error
#define E1000_RXD_ERR_SEQ  0x04  // sequence error
#define E1000_RXD_ERR_RXE  0x80  // RX data error
#define E1000_RXD_ERR_BAD \
  (E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ | E1000_RXD_ERR_RXE)
