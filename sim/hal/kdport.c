/* kdport.c - KdComPortInUse: the HAL's record of the COM port a kernel debugger owns.
 *
 * Serial port drivers compare it with their port base and refuse to start the port the
 * debugger uses. hal.dll exports it as data. A driver sees a data export through its
 * import slot, so the WDK serial sample declares `extern PUCHAR *KdComPortInUse` and reads
 * `*KdComPortInUse` (as drivers read *IoFileObjectType, sim/ob/types.c); the symbol here
 * has that type. ntsim has no kernel debugger on a COM port: the port is NULL. */
#include "hal/halp.h"

static PUCHAR HalpKdComPort = NULL;

PUCHAR *KdComPortInUse = &HalpKdComPort;
