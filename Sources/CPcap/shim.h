#ifndef MSGSCOPE_CPCAP_SHIM_H
#define MSGSCOPE_CPCAP_SHIM_H
#include <pcap/pcap.h>
#include <stdio.h>
#if __has_include(<stdio_ext.h>)
#include <stdio_ext.h>
#define MSGSCOPE_HAS_FSETLOCKING 1
#endif

/// Lets the caller own the locking of a FILE only it reads (libpcap's savefile): glibc's stdio
/// then takes no lock per fread. A no-op where the C library has no such switch.
static inline void msgscope_file_unlocked(FILE *f) {
#ifdef MSGSCOPE_HAS_FSETLOCKING
    __fsetlocking(f, FSETLOCKING_BYCALLER);
#else
    (void)f;
#endif
}
#endif
