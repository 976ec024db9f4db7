/* csq.h - cancel-safe IRP queues. As in the WDK, wdm.h declares them (nt/csq.h);
 * this header exists for drivers that include it by name. */
#ifndef NTSIM_CSQ_H
#define NTSIM_CSQ_H
#include <wdm.h>
#endif
