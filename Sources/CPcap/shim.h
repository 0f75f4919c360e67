#ifndef MSGSCOPE_CPCAP_SHIM_H
#define MSGSCOPE_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
