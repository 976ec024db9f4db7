/* wmidata.h - the standard WMI data block GUIDs (see wmiguid.h). The data block structures
 * themselves are not provided yet. Part of ntsim. */
#ifndef NTSIM_WMIDATA_H
#define NTSIM_WMIDATA_H
#include <wmiguid.h>
#endif
