/* dontuse.h - the WDK marks deprecated C runtime routines here so that a build using
 * them stops. ntsim's loader refuses the host versions anyway (docs/crt.md), so this
 * header only exists for the drivers that include it. Part of ntsim. */
#ifndef NTSIM_DONTUSE_H
#define NTSIM_DONTUSE_H
#endif
