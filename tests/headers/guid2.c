/* guid2.c - a second source that also defines (weak, selectany) the keyboard GUID: the
 * image still holds one object. */
#include <ntddk.h>
#include <initguid.h>
#include <ntddkbd.h>

const GUID *Guid2KeyboardGuid(void)
{
    return &GUID_DEVINTERFACE_KEYBOARD;
}
