# Build, boot and test the kernel.
#   make            build kernel/kernel and fs.img
#   make qemu       boot it (CPUS=1..8, default 3); Ctrl-a x quits QEMU
#   make qemu-gdb   boot halted, waiting for gdb-multiarch on $(GDBPORT)
#   make test       every automated test (see test/README.md)
#   make bench      network benchmarks (figures, not pass/fail)
#   make grade      the lab grader (grade-lab-net)
#   make handout    the student tree, handout/ and handout.tar.gz
#   make pcap       print packets.pcap from the last `make qemu` with tshark
#   make deps       install the Debian packages everything needs (needs root)

K = kernel
U = user

# Debian's bare-metal toolchain first, then the Linux-target ones.
ifndef TOOLPREFIX
TOOLPREFIX := $(shell for p in riscv64-unknown-elf- riscv64-linux-gnu- riscv64-elf-; do \
	if command -v $${p}gcc >/dev/null 2>&1; then echo $$p; break; fi; done)
endif

QEMU = qemu-system-riscv64
CC = $(TOOLPREFIX)gcc
AS = $(TOOLPREFIX)gas
LD = $(TOOLPREFIX)ld
OBJCOPY = $(TOOLPREFIX)objcopy
OBJDUMP = $(TOOLPREFIX)objdump

CFLAGS = -Wall -Werror -Wno-array-bounds -O1 -fno-omit-frame-pointer -ggdb -gdwarf-4
CFLAGS += -MD -mcmodel=medany -march=rv64gc -mabi=lp64d
CFLAGS += -ffreestanding -fno-common -nostdlib -fno-builtin-printf -fno-builtin-putc
CFLAGS += -fno-builtin-exit -fno-builtin-memset -fno-builtin-memcpy -fno-builtin-malloc
CFLAGS += -fno-builtin-strlen -fno-builtin-strcpy -fno-builtin-free -fno-builtin-log
CFLAGS += -fno-stack-protector -fno-pie -no-pie -I.
LDFLAGS = -z max-page-size=4096 --no-warn-rwx-segments

# Every source file in these folders is part of the build: adding a file needs no edit here.
KSRCS = $(sort $(wildcard $K/*.c $K/net/*.c))
KASMS = $(sort $(wildcard $K/*.S))
KOBJS = $(KASMS:.S=.o) $(KSRCS:.c=.o)

GEN = $K/syscall_nr.h $K/syscall_tbl.h $U/usys.S $U/syscalls.h

ULIBSRCS = $U/ulib.c $U/printf.c $U/umalloc.c $U/errno.c $U/netlib.c
ULIBOBJS = $(ULIBSRCS:.c=.o) $U/usys.o
UPROGSRCS = $(filter-out $(ULIBSRCS), $(sort $(wildcard $U/*.c)))
UPROGS = $(patsubst $U/%.c,$U/_%,$(UPROGSRCS))

CPUS ?= 3

all: $K/kernel fs.img

$(GEN): $K/syscalls.tbl tools/gensyscalls.sh
	sh tools/gensyscalls.sh $K/syscalls.tbl $K $U

$(KOBJS) $(ULIBOBJS) $(UPROGS:_%=%.o): | $(GEN)
# The compiler flags are in this file: objects built with other flags are stale.
$(KOBJS) $(ULIBOBJS) $(UPROGS:_%=%.o): Makefile

$(KOBJS): CFLAGS += -ffunction-sections

$K/%.o: $K/%.S
	$(CC) $(CFLAGS) -c -o $@ $<

$K/kernel: $(KOBJS) $K/kernel.ld
	$(LD) $(LDFLAGS) -T $K/kernel.ld -o $@ $(KOBJS)
	$(OBJDUMP) -S $@ > $K/kernel.asm
	$(OBJDUMP) -t $@ | sed '1,/SYMBOL TABLE/d; s/ .* / /; /^$$/d' > $K/kernel.sym

$U/usys.o: $U/usys.S
	$(CC) $(CFLAGS) -c -o $@ $<

$U/_%: $U/%.o $(ULIBOBJS) $U/user.ld
	$(LD) $(LDFLAGS) -T $U/user.ld -o $@ $< $(ULIBOBJS)

mkfs/mkfs: mkfs/mkfs.c $K/fs.h $K/param.h
	gcc -Wall -Werror -I. -o mkfs/mkfs mkfs/mkfs.c

# The README goes in twice: as README.md, and as README for the classic `cat README | wc`.
build/README: README.md
	mkdir -p build && cp README.md build/README

fs.img: mkfs/mkfs README.md build/README $(UPROGS)
	mkfs/mkfs fs.img README.md build/README $(UPROGS)

# Keep the user objects (make would delete them as intermediates and print an rm line).
.SECONDARY: $(patsubst $U/_%,$U/%.o,$(UPROGS))

-include $K/*.d $K/net/*.d $U/*.d

clean:
	rm -f $K/*.o $K/*.d $K/net/*.o $K/net/*.d $U/*.o $U/*.d $U/_* $(GEN) \
	$K/kernel $K/kernel.asm $K/kernel.sym fs.img mkfs/mkfs .gdbinit packets.pcap
	rm -rf handout handout.tar.gz build

# Ports derived from the user id so that two users on one machine do not collide.
UID := $(shell id -u)
GDBPORT := $(shell expr 26000 + $(UID) % 5000)
UDPPORT := $(shell expr 31000 + $(UID) % 5000)
TCPPORT := $(shell expr 36000 + $(UID) % 5000)

QEMUOPTS = -machine virt -bios none -kernel $K/kernel -m 128M -smp $(CPUS) -nographic
QEMUOPTS += -global virtio-mmio.force-legacy=false
QEMUOPTS += -drive file=fs.img,if=none,format=raw,id=x0
QEMUOPTS += -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
# NET=user (default): QEMU user networking, the host is 10.0.2.2.
# NET=link-a / NET=link-b: two guests, started in two terminals, joined by one QEMU dgram
# link with nothing else on it; in guest b type `ifconfig eth0 10.0.2.16` first.
NET ?= user
LINKPORT := $(shell expr 41000 + $(UID) % 5000)
ifeq ($(NET),link-a)
QEMUOPTS += -netdev dgram,id=net0,local.type=inet,local.host=127.0.0.1,local.port=$(LINKPORT),remote.type=inet,remote.host=127.0.0.1,remote.port=$(shell expr $(LINKPORT) + 1)
PCAP = packets-a.pcap
MAC = 52:54:00:12:34:56
else ifeq ($(NET),link-b)
QEMUOPTS += -netdev dgram,id=net0,local.type=inet,local.host=127.0.0.1,local.port=$(shell expr $(LINKPORT) + 1),remote.type=inet,remote.host=127.0.0.1,remote.port=$(LINKPORT)
PCAP = packets-b.pcap
MAC = 52:54:00:12:34:57
else
QEMUOPTS += -netdev user,id=net0,hostfwd=udp:127.0.0.1:$(UDPPORT)-:2000,hostfwd=tcp:127.0.0.1:$(TCPPORT)-:80
PCAP = packets.pcap
MAC = 52:54:00:12:34:56
endif
QEMUOPTS += -object filter-dump,id=net0dump,netdev=net0,file=$(PCAP)
# romfile= : no option ROM (we boot with -bios none), so QEMU needs no ipxe-qemu package.
QEMUOPTS += -device e1000,netdev=net0,mac=$(MAC),romfile=

check-tools:
	@sh tools/check-tools.sh

qemu: check-tools all
ifeq ($(NET),user)
	@echo "*** host UDP port $(UDPPORT) -> guest port 2000; TCP $(TCPPORT) -> guest 80; capture: $(PCAP)"
else
	@echo "*** $(NET): a link between two guests on ports $(LINKPORT)/$$(expr $(LINKPORT) + 1); capture: $(PCAP)"
	@echo "*** guest a is 10.0.2.15; in guest b type: ifconfig eth0 10.0.2.16"
endif
	@echo "*** Ctrl-a x quits QEMU"
	$(QEMU) $(QEMUOPTS)

.gdbinit: .gdbinit.tmpl
	sed "s/:1234/:$(GDBPORT)/" < $^ > $@

qemu-gdb: check-tools all .gdbinit
	@echo "*** Now run 'gdb-multiarch -x .gdbinit' in another terminal, in this folder (port $(GDBPORT))."
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

pcap:
	tshark -r $(PCAP) -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE

deps:
	sh tools/check-tools.sh --install

test: check-tools all
	/usr/bin/python3 test/run_tests.py

bench: check-tools all
	/usr/bin/python3 test/bench.py

grade: check-tools all
	/usr/bin/python3 ./grade-lab-net

handout:
	/usr/bin/python3 tools/handout.py handout
	/usr/bin/python3 tools/handout.py --check handout

gradescope: handout
	/usr/bin/python3 tools/gradescope.py build/gradescope.zip

format-check:
	clang-format --dry-run --Werror $(filter-out $(GEN),$(wildcard $K/*.c $K/*.h $K/net/*.c $K/net/*.h $U/*.c $U/*.h mkfs/*.c))

.PHONY: all clean qemu qemu-gdb check-tools pcap deps test bench grade handout gradescope format-check
