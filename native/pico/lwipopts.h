// lwIP settings for the Pico W shell: raw API only, no OS (cyw43 poll mode),
// sized for a handful of TCP connections. Each departure from lwIP's defaults
// says why. The buffers depend on the engine: the AOT engine leaves the RAM
// wasm3's compiled code takes (~140 KB of heap) to the network.
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#define NO_SYS 1                 // poll mode: lwIP runs inside cyw43_arch_poll() on the main loop
#define LWIP_SOCKET 0            // raw API only
#define LWIP_NETCONN 0
#define MEM_LIBC_MALLOC 0        // lwIP's own heap: its use stays bounded and apart from the C heap
#define MEM_ALIGNMENT 4          // Cortex-M0+ faults on unaligned word access
#define MEMP_NUM_TCP_SEG 32      // TCP_SND_QUEUELEN needs this many segments
#define MEMP_NUM_ARP_QUEUE 10
#define MEMP_NUM_TCP_PCB 10      // NET_MAX_CONNECTIONS plus connections in TIME_WAIT
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1              // answers ping: handy when finding the board
#define LWIP_RAW 1
#define TCP_MSS 1460
#if PICO_NODE_ENGINE_WASM3
// wasm3 leaves ~19 KB of heap: lwIP gets the least that works.
#define MEM_SIZE (8 * 1024)      // pbufs for sends in flight (tcp_write copies): ~2.5 connections' TCP_SND_BUF; the rest waits in the shell's send queues
#define PBUF_POOL_SIZE 8         // receive buffers (~1.5 KB each): two connections' full TCP_WND
#define TCP_WND (2 * TCP_MSS)    // receive window: the event queue takes 4 KB per loop step anyway
#define TCP_SND_BUF (2 * TCP_MSS) // mirrored by the emulator's fake network (net_fake.c)
#else
// AOT: the sizes a few busy connections want, restored from wasm3's minimum.
#define MEM_SIZE (16 * 1024)     // sends in flight: ~2.8 connections' full TCP_SND_BUF (a /metrics answer, a status PATCH and the Lease at once)
#define PBUF_POOL_SIZE 16        // receive buffers (~1.5 KB each): the watch stream's and a kubelet client's full TCP_WND, with room for the Lease's answer
#define TCP_WND (4 * TCP_MSS)    // receive window: a 1024-entry ConfigMap event (~12 KB) arrives in 2 round trips instead of 4
#define TCP_SND_BUF (4 * TCP_MSS) // a full /metrics answer (~6 KB) goes out without waiting in the shell's send queue; mirrored by net_fake.c
#endif
#define TCP_SND_QUEUELEN ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1    // DHCP sends the node name as hostname
#define DNS_TABLE_SIZE 1         // one name to remember: the api= host
#define LWIP_STATS 0             // counters nobody reads
#define MEM_STATS 0
#define SYS_STATS 0
#define MEMP_STATS 0
#define LINK_STATS 0
#define LWIP_CHKSUM_ALGORITHM 3
#define LWIP_DHCP 1              // the address comes from the network
#define LWIP_IPV4 1
#define LWIP_TCP 1
#define LWIP_UDP 1               // DHCP and DNS
#define LWIP_DNS 1               // api= may name a host
#define LWIP_TCP_KEEPALIVE 1     // per-pcb keepalive times: net_lwip.c sets them on every connection (shell_config.h)
#define LWIP_NETIF_TX_SINGLE_PBUF 1
#define DHCP_DOES_ARP_CHECK 0    // joins faster; address conflicts are the DHCP server's job
#define LWIP_DHCP_DOES_ACD_CHECK 0

#endif
