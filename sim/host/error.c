/* error.c - ntsim_last_error and NTSTATUS names for messages. */
#include "ntsimp.h"

static NTSIM_TLS char NtsimLastError[8192]; /* room for every refused import of an image */

void NtsimSetLastError(const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    vsnprintf(NtsimLastError, sizeof(NtsimLastError), Format, Args);
    va_end(Args);
}

const char *ntsim_last_error(void)
{
    return NtsimLastError;
}

const char *ntsim_status_name(int32_t Status)
{
    static const struct { NTSTATUS Status; const char *Name; } Names[] = {
#define N(x) { x, #x }
        N(STATUS_SUCCESS), N(STATUS_PENDING), N(STATUS_TIMEOUT), N(STATUS_BUFFER_OVERFLOW),
        N(STATUS_NO_MORE_ENTRIES), N(STATUS_UNSUCCESSFUL), N(STATUS_NOT_IMPLEMENTED),
        N(STATUS_ACCESS_VIOLATION), N(STATUS_INVALID_HANDLE), N(STATUS_INVALID_PARAMETER),
        N(STATUS_NO_SUCH_DEVICE), N(STATUS_INVALID_DEVICE_REQUEST), N(STATUS_END_OF_FILE),
        N(STATUS_NO_MEMORY), N(STATUS_ACCESS_DENIED), N(STATUS_BUFFER_TOO_SMALL),
        N(STATUS_OBJECT_TYPE_MISMATCH), N(STATUS_OBJECT_NAME_INVALID), N(STATUS_OBJECT_NAME_NOT_FOUND),
        N(STATUS_OBJECT_NAME_COLLISION), N(STATUS_OBJECT_PATH_NOT_FOUND), N(STATUS_OBJECT_PATH_SYNTAX_BAD),
        N(STATUS_INSUFFICIENT_RESOURCES), N(STATUS_DEVICE_NOT_READY), N(STATUS_NOT_SUPPORTED),
        N(STATUS_CANCELLED), N(STATUS_DEVICE_BUSY), N(STATUS_DATATYPE_MISALIGNMENT),
        N(STATUS_MORE_PROCESSING_REQUIRED), N(STATUS_INVALID_DEVICE_STATE), N(STATUS_NOT_FOUND),
        N(STATUS_DEVICE_CONFIGURATION_ERROR), N(STATUS_CONFLICTING_ADDRESSES), N(STATUS_INVALID_USER_BUFFER),
#undef N
    };
    for (size_t i = 0; i < sizeof(Names) / sizeof(Names[0]); i++)
        if (Names[i].Status == Status)
            return Names[i].Name;
    switch (Status) {
    case NTSIM_E_ARGS: return "NTSIM_E_ARGS";
    case NTSIM_E_IO: return "NTSIM_E_IO";
    case NTSIM_E_LOAD: return "NTSIM_E_LOAD";
    case NTSIM_E_CRASHED: return "NTSIM_E_CRASHED";
    case NTSIM_E_STATE: return "NTSIM_E_STATE";
    default: break;
    }
    static NTSIM_TLS char Buffer[32];
    snprintf(Buffer, sizeof(Buffer), "0x%08X", (ULONG)Status);
    return Buffer;
}
