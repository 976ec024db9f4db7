/* ndk/haltypes.h - the ReactOS Native Development Kit's HAL types header, for building
 * public ReactOS driver sources on ntsim (opt-in: ntsim_add_driver(... REACTOS_COMPAT)).
 *
 * Not a WDK header: the NDK is ReactOS's own description of undocumented native-API
 * types. ntsim does not reproduce it; this stand-in declares only what the corpus
 * drivers that include it use (docs/compatibility.md). The one such driver, parport,
 * uses nothing from it beyond the documented kernel-mode definitions (its configuration
 * counts through IoGetConfigurationInformation, CM_RESOURCE_LIST, port access), which
 * ntddk.h provides. ReactOS's serial driver also reads KdComPortInUse from it, the HAL's
 * data export naming the kernel debugger's COM port (sim/hal/kdport.c).
 * Written for ntsim. */
#ifndef NTSIM_REACTOS_NDK_HALTYPES_H
#define NTSIM_REACTOS_NDK_HALTYPES_H

#include <ntddk.h>

/* The NDK declares KdComPortInUse as the imported PUCHAR itself (NTSYSAPI data), where
 * WDK-style code declares the import slot, PUCHAR *, and dereferences it; ntsim exports
 * the slot form. The macro gives NDK-style source the value it means (NULL: no kernel
 * debugger owns a COM port). A macro naming itself is not expanded again. */
extern PUCHAR *KdComPortInUse;
#define KdComPortInUse (*KdComPortInUse)

#endif
