/* libpcap, imported privately by FMCCapture (reading, BPF filters). */
#include <pcap/pcap.h>
#include <stdio.h>
