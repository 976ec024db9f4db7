/* noreturn_ddis.c - compiled, not run (test verifier/noreturn-ddis): a driver's code
 * that ends a path in a routine that never returns, called through the site macros
 * (sim/include/nt/site.h), must compile without "control reaches end", "may fall
 * through" or "may be used uninitialized": the macros keep `noreturn`. */
#include <ntddk.h>

int NoreturnAfterBugCheck(int x)
{
    if (x)
        return 1;
    KeBugCheck(0xE2);
}

int NoreturnAfterBugCheckEx(int x)
{
    if (x)
        return 1;
    KeBugCheckEx(0xE2, 1, 2, 3, 4);
}

NTSTATUS NoreturnAfterRaise(int x)
{
    if (x)
        return STATUS_SUCCESS;
    ExRaiseStatus(STATUS_INVALID_PARAMETER);
}

NTSTATUS NoreturnAfterTerminate(int x)
{
    if (x)
        return STATUS_SUCCESS;
    PsTerminateSystemThread(STATUS_SUCCESS);
}

int NoreturnCases(int x)
{
    int y;
    switch (x) {
    case 1:
        KeBugCheck(1);
    case 2:
        y = 2;
        break;
    case 3:
        ExRaiseStatus(STATUS_UNSUCCESSFUL);
    default:
        y = 3;
        break;
    }
    return y;
}
