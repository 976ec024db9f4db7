/* psehdrv.c - wdk_pseh.sys, built with ntsim_add_driver(... REACTOS_COMPAT): ReactOS's
 * <pseh/pseh2.h> macro names over ntsim's SEH, in the forms ReactOS drivers use them.
 * DriverEntry returns STATUS_DEVICE_NOT_READY when every form behaved, else a distinct
 * failure status naming the first one that did not. It also reads KdComPortInUse through
 * the folder's NDK stand-in. */
#include <ntddk.h>
#include <pseh/pseh2.h>
/* the folder's NDK stand-in, as parport includes it: it must compile after ntddk.h */
#include <ndk/haltypes.h>

static int YieldFromTry(void)
{
    _SEH2_TRY
    {
        _SEH2_YIELD(return 7);
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        return -1;
    }
    _SEH2_END;
    return -2;
}

static NTSTATUS CaughtCode(void)
{
    volatile NTSTATUS Code = STATUS_SUCCESS;
    _SEH2_TRY
    {
        ExRaiseStatus(STATUS_INVALID_PARAMETER_3);
    }
    _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)
    {
        Code = _SEH2_GetExceptionCode();
    }
    _SEH2_END;
    return Code;
}

static int FinallyRuns(volatile int *Abnormal)
{
    volatile int Ran = 0;
    _SEH2_TRY
    {
        Ran = 0;
    }
    _SEH2_FINALLY
    {
        Ran++;
        *Abnormal = _SEH2_AbnormalTermination();
    }
    _SEH2_END;
    return Ran;
}

static int FinallyOnUnwind(volatile int *Abnormal)
{
    volatile int Ran = 0;
    _SEH2_TRY
    {
        _SEH2_TRY
        {
            ExRaiseStatus(STATUS_UNSUCCESSFUL);
        }
        _SEH2_FINALLY
        {
            Ran++;
            *Abnormal = _SEH2_AbnormalTermination();
        }
        _SEH2_END;
    }
    _SEH2_EXCEPT(_SEH2_GetExceptionCode() == STATUS_UNSUCCESSFUL ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH)
    {
        Ran += 10;
    }
    _SEH2_END;
    return Ran;
}

static int LeaveSkipsRest(void)
{
    volatile int Steps = 0;
    _SEH2_TRY
    {
        Steps = 1;
        _SEH2_LEAVE;
        Steps = 2;
    }
    _SEH2_FINALLY
    {
        Steps += 10;
    }
    _SEH2_END;
    return Steps;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    volatile int Abnormal = -1;
    if (YieldFromTry() != 7)
        return STATUS_UNSUCCESSFUL + 1;
    if (CaughtCode() != STATUS_INVALID_PARAMETER_3)
        return STATUS_UNSUCCESSFUL + 2;
    if (FinallyRuns(&Abnormal) != 1 || Abnormal != 0)
        return STATUS_UNSUCCESSFUL + 3;
    if (FinallyOnUnwind(&Abnormal) != 11 || Abnormal == 0)
        return STATUS_UNSUCCESSFUL + 4;
    if (LeaveSkipsRest() != 11)
        return STATUS_UNSUCCESSFUL + 5;
    /* the frame YieldFromTry left by return is gone: a raise here has no handler above
     * it but this one */
    if (CaughtCode() != STATUS_INVALID_PARAMETER_3)
        return STATUS_UNSUCCESSFUL + 6;
    /* the NDK's spelling of the HAL's debugger port, as ReactOS's serial driver reads it:
     * no kernel debugger owns a COM port, so no port base compares equal */
    if (KdComPortInUse != NULL || KdComPortInUse == (PUCHAR)0x3F8)
        return STATUS_UNSUCCESSFUL + 7;
    return STATUS_DEVICE_NOT_READY; /* every form behaved; nothing to keep loaded */
}
