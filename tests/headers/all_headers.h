/* all_headers.h - every driver-facing header ntsim provides, in the order a driver might
 * include them (each also compiles alone: see the CMake list). */
#include <ntddk.h>
#include <ntifs.h>
#include <wdm.h>
#include <ntstrsafe.h>
#include <ntintsafe.h>
#include <devioctl.h>
#include <dontuse.h>
#include <bugcodes.h>
#include <ntiologc.h>
#include <wdmguid.h>
#include <wdmsec.h>
#include <ntddser.h>
#include <ntddbeep.h>
#include <ntddpar.h>
#include <ntddkbd.h>
#include <ntddmou.h>
#include <kbdmou.h>
#include <ntdd8042.h>
#include <ntdddisk.h>
#include <mountdev.h>
#include <mountmgr.h>
#include <poclass.h>
#include <wmistr.h>
#include <wmilib.h>
#include <wmiguid.h>
#include <wmidata.h>
