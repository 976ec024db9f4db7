/* guid.c - the one source of the image that defines the GUIDs it uses. */
#include <ntddk.h>
#include <initguid.h>
#include <ntddkbd.h>
#include <ntddser.h>
#include <wdmguid.h>

const GUID *GuidKeyboardGuid(void)
{
    return &GUID_DEVINTERFACE_KEYBOARD;
}
