/* port.c - READ_PORT_* / WRITE_PORT_* routed to the machine's bus.
 *
 * A port arrives as a small integer cast to a pointer, as on x86/x64 (the low 16
 * bits are the port; anything above 0xFFFF is reported as not a port). Each access:
 *   1. is checked against the running driver's claims (HW-01: reported once per
 *      driver and port, and the access still happens, so the driver runs on and the
 *      report names the first offending line);
 *   2. happens on the bus at the present virtual time (an unmapped port reads all
 *      ones, a write to one goes nowhere);
 *   3. costs HALP_PORT_ACCESS_NS (1 us) of virtual time, during which device events
 *      fire;
 *   4. is a safe point: pending interrupts above the current IRQL are delivered.
 * The _BUFFER_ variants are Count single accesses to the same port (rep ins/outs). */
#include "hal/halp.h"
#include "trace/trace.h"

static inline ULONG HalpPortNumber(ULONG_PTR Port, ULONG Size, BOOLEAN Write, NTSIM_SITE Site)
{
    if (__builtin_expect(Port > 0xFFFF, 0)) {
        static ULONG_PTR Reported;
        if (Reported != Port) {
            Reported = Port;
            VfReport("HW-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                     "%s_PORT of %u byte%s at 0x%llx: not an I/O port (ports are 0-0xFFFF; a mapped memory "
                     "address needs READ/WRITE_REGISTER_*)",
                     Write ? "WRITE" : "READ", Size, Size == 1 ? "" : "s", (unsigned long long)Port);
        }
    }
    return (ULONG)(Port & 0xFFFF);
}

static ULONG HalpRead(ULONG_PTR PortAddress, ULONG Size, NTSIM_SITE Site)
{
    ULONG Port = HalpPortNumber(PortAddress, Size, FALSE, Site);
    HalpIo.CheckPortAccess(Port, Size, FALSE, Site);
    uint32_t Value = 0xFFFFFFFFu;
    hw_bus *Bus = HalpBus();
    if (Bus)
        hw_bus_io_read(Bus, (uint16_t)Port, Size, &Value);
    if (__builtin_expect(TrPorts, 0))
        TrPortAccess(TrPortRead, Port, Size, Value);
    HalpAdvance(HALP_PORT_ACCESS_NS); /* ends with the safe point */
    return Value;
}

static void HalpWrite(ULONG_PTR PortAddress, ULONG Size, ULONG Value, NTSIM_SITE Site)
{
    ULONG Port = HalpPortNumber(PortAddress, Size, TRUE, Site);
    HalpIo.CheckPortAccess(Port, Size, TRUE, Site);
    hw_bus *Bus = HalpBus();
    if (Bus)
        hw_bus_io_write(Bus, (uint16_t)Port, Size, Value);
    if (__builtin_expect(TrPorts, 0))
        TrPortAccess(TrPortWrite, Port, Size, Value);
    HalpAdvance(HALP_PORT_ACCESS_NS); /* ends with the safe point */
}

UCHAR READ_PORT_UCHAR(PUCHAR Port)
{
    return (UCHAR)HalpRead((ULONG_PTR)Port, 1, KiTakeSite());
}

USHORT READ_PORT_USHORT(PUSHORT Port)
{
    return (USHORT)HalpRead((ULONG_PTR)Port, 2, KiTakeSite());
}

ULONG READ_PORT_ULONG(PULONG Port)
{
    return HalpRead((ULONG_PTR)Port, 4, KiTakeSite());
}

VOID WRITE_PORT_UCHAR(PUCHAR Port, UCHAR Value)
{
    HalpWrite((ULONG_PTR)Port, 1, Value, KiTakeSite());
}

VOID WRITE_PORT_USHORT(PUSHORT Port, USHORT Value)
{
    HalpWrite((ULONG_PTR)Port, 2, Value, KiTakeSite());
}

VOID WRITE_PORT_ULONG(PULONG Port, ULONG Value)
{
    HalpWrite((ULONG_PTR)Port, 4, Value, KiTakeSite());
}

VOID READ_PORT_BUFFER_UCHAR(PUCHAR Port, PUCHAR Buffer, ULONG Count)
{
    NTSIM_SITE Site = KiTakeSite();
    for (ULONG i = 0; i < Count; i++)
        Buffer[i] = (UCHAR)HalpRead((ULONG_PTR)Port, 1, Site);
}

VOID READ_PORT_BUFFER_USHORT(PUSHORT Port, PUSHORT Buffer, ULONG Count)
{
    NTSIM_SITE Site = KiTakeSite();
    for (ULONG i = 0; i < Count; i++)
        Buffer[i] = (USHORT)HalpRead((ULONG_PTR)Port, 2, Site);
}

VOID READ_PORT_BUFFER_ULONG(PULONG Port, PULONG Buffer, ULONG Count)
{
    NTSIM_SITE Site = KiTakeSite();
    for (ULONG i = 0; i < Count; i++)
        Buffer[i] = HalpRead((ULONG_PTR)Port, 4, Site);
}

VOID WRITE_PORT_BUFFER_UCHAR(PUCHAR Port, PUCHAR Buffer, ULONG Count)
{
    NTSIM_SITE Site = KiTakeSite();
    for (ULONG i = 0; i < Count; i++)
        HalpWrite((ULONG_PTR)Port, 1, Buffer[i], Site);
}

VOID WRITE_PORT_BUFFER_USHORT(PUSHORT Port, PUSHORT Buffer, ULONG Count)
{
    NTSIM_SITE Site = KiTakeSite();
    for (ULONG i = 0; i < Count; i++)
        HalpWrite((ULONG_PTR)Port, 2, Buffer[i], Site);
}

VOID WRITE_PORT_BUFFER_ULONG(PULONG Port, PULONG Buffer, ULONG Count)
{
    NTSIM_SITE Site = KiTakeSite();
    for (ULONG i = 0; i < Count; i++)
        HalpWrite((ULONG_PTR)Port, 4, Buffer[i], Site);
}
