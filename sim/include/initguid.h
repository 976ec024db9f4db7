/* initguid.h - the WDK's way to make DEFINE_GUID define GUIDs in the source that includes
 * it first. ntsim's DEFINE_GUID always defines them as weak (selectany) objects, one per
 * image (ntdef.h), so this header only marks the source: INITGUID. Part of ntsim. */
#ifndef INITGUID
#define INITGUID
#endif
#include <ntdef.h>
