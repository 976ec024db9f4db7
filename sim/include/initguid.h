/* initguid.h - include first in the one source that should define the GUIDs that
 * DEFINE_GUID otherwise only declares (the WDK's convention). Part of ntsim. */
#ifndef INITGUID
#define INITGUID
#endif
#include <ntdef.h>
#undef DEFINE_GUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    EXTERN_C const GUID DECLSPEC_SELECTANY name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }
