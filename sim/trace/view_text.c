/* view_text.c - the human view: one line per event, virtual time first, e.g.
 *       12.345 us  t1 cpu0  IRP#3 IRP_MJ_WRITE -> \Device\Serial0 (serial.sys)
 * Deterministic for a deterministic run (no host addresses), so tests and diffs can
 * read it. */
#include "ntsimp.h"
#include "trace/trace.h"

static const char *const TrIrqlNames[] = { "PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL" };

static void TrTextBegin(FILE *Out)
{
    (void)Out;
}

static void TrTextEnd(FILE *Out)
{
    fflush(Out);
}

/* Driver text without its line end (DbgPrint strings usually carry one). */
static void TrPutText(FILE *Out, const char *Text)
{
    size_t Length = strlen(Text);
    while (Length > 0 && (Text[Length - 1] == '\n' || Text[Length - 1] == '\r'))
        Length--;
    fwrite(Text, 1, Length, Out);
}

static void TrTextIrp(FILE *Out, const TR_EVENT *Event)
{
    const char *Driver = Event->Driver ? Event->Driver : "?";
    switch (Event->Kind) {
    case TrIrpDispatch:
        fprintf(Out, "IRP#%u %s (minor 0x%02x) -> %s (%s)", Event->Irp, TrMajorName(Event->Major), Event->Minor,
                Event->Device ? Event->Device : "unnamed device", Driver);
        break;
    case TrIrpDispatchDone:
        fprintf(Out, "IRP#%u dispatch routine of %s returned %s", Event->Irp, Driver,
                ntsim_status_name((int32_t)Event->Value));
        break;
    case TrIrpComplete:
        fprintf(Out, "IRP#%u completed by %s: %s, Information %llu", Event->Irp, Driver,
                ntsim_status_name((int32_t)Event->Value), (unsigned long long)Event->Information);
        break;
    default:
        fprintf(Out, "IRP#%u completion routine of %s", Event->Irp, Driver);
        break;
    }
}

static void TrTextAccess(FILE *Out, const TR_EVENT *Event)
{
    static const char *const Sizes[] = { "?", "UCHAR", "USHORT", "?", "ULONG", "?", "?", "?", "ULONG64" };
    BOOLEAN Port = Event->Kind == TrPortRead || Event->Kind == TrPortWrite;
    BOOLEAN Write = Event->Kind == TrPortWrite || Event->Kind == TrRegisterWrite;
    fprintf(Out, "%s_%s_%s 0x%llx %s 0x%llx (%s)", Write ? "WRITE" : "READ", Port ? "PORT" : "REGISTER",
            Sizes[Event->Minor <= 8 ? Event->Minor : 0], (unsigned long long)Event->Information, Write ? "<-" : "->",
            (unsigned long long)Event->Value, Event->Driver ? Event->Driver : "system");
}

static void TrTextWrite(FILE *Out, const TR_EVENT *Event)
{
    if (Event->Kind == TrIrpEnterDevice || Event->Kind == TrIrpLeaveDevice)
        return; /* the dispatch and completion lines tell it already */
    fprintf(Out, "%14.3f us  t%u cpu%u  ", (double)Event->Time / 1000.0, Event->Thread, Event->Cpu);
    const char *Driver = Event->Driver ? Event->Driver : "system";
    switch (Event->Kind) {
    case TrIrpDispatch:
    case TrIrpDispatchDone:
    case TrIrpComplete:
    case TrIrpCompletionRoutine:
        TrTextIrp(Out, Event);
        break;
    case TrIrqlChange:
        if (Event->Value >= 0 && Event->Value <= DISPATCH_LEVEL)
            fprintf(Out, "IRQL %s", TrIrqlNames[Event->Value]);
        else
            fprintf(Out, "IRQL %lld (device IRQL)", (long long)Event->Value);
        break;
    case TrIsrBegin:
        fprintf(Out, "ISR of %s for interrupt line %lld", Driver, (long long)Event->Value);
        break;
    case TrIsrEnd:
        fprintf(Out, "ISR of %s returned %s", Driver, Event->Value ? "TRUE" : "FALSE");
        break;
    case TrDpcBegin:
        fprintf(Out, "DPC of %s", Driver);
        break;
    case TrDpcEnd:
        fprintf(Out, "DPC of %s returned", Driver);
        break;
    case TrInterruptDelivered:
        fprintf(Out, "%sinterrupt line %lld delivered at IRQL %u", Event->Information ? "spurious " : "",
                (long long)Event->Value, Event->Irql);
        break;
    case TrPortRead:
    case TrPortWrite:
    case TrRegisterRead:
    case TrRegisterWrite:
        TrTextAccess(Out, Event);
        break;
    case TrDebugPrint:
        fprintf(Out, "DbgPrint %s: ", Driver);
        TrPutText(Out, Event->Text);
        break;
    case TrBugCheck:
        fputs("BUG CHECK ", Out);
        TrPutText(Out, Event->Text);
        break;
    case TrFaultInjected:
        fprintf(Out, "FAULT %s: ", Driver);
        TrPutText(Out, Event->Text);
        break;
    case TrFinding:
        fputs("finding ", Out);
        TrPutText(Out, Event->Text);
        break;
    default:
        TrPutText(Out, Event->Text ? Event->Text : "");
        break;
    }
    fputc('\n', Out);
}

const TR_VIEW TrTextView = { TrTextBegin, TrTextWrite, TrTextEnd };
