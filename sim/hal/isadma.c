/* isadma.c - slave (ISA system DMA) adapters: what dma.c does differently for a
 * DEVICE_DESCRIPTION with Master == FALSE (docs/isa-dma.md).
 *
 * The HAL programs the machine's 8237 pair through its ports, as a PC HAL does:
 * IoMapTransfer masks the channel, sets the mode (single or demand, auto-init,
 * read or write), the address (in words for channels 5-7), the page register and
 * the count, and unmasks it; IoFlushAdapterBuffers masks it again; ReadDmaCounter
 * reads the current count back. These accesses are the HAL's own: they are not
 * checked against the driver's port claims and cost no virtual time. Map
 * registers (bounce buffers) and common buffers of a slave adapter lie below
 * 16 MiB and never cross a 64 KiB (channels 0-3) or 128 KiB (5-7) boundary. */
#include "hal/halp.h"

#include <hwmodel/i8237.h>

static const USHORT HalpDmaPagePort[8] = { 0x87, 0x83, 0x81, 0x82, 0x8F, 0x8B, 0x89, 0x8A };

static BOOLEAN HalpIsaWordChannel(ULONG Channel)
{
    return Channel >= 4;
}

/* register port of controller register Reg for Channel */
static USHORT HalpIsaPort(ULONG Channel, ULONG Reg)
{
    return HalpIsaWordChannel(Channel) ? (USHORT)(0xC0 + 2 * Reg) : (USHORT)Reg;
}

static void HalpIsaOut(USHORT Port, UCHAR Value)
{
    if (HalpBus())
        hw_bus_io_write(HalpBus(), Port, 1, Value);
}

static UCHAR HalpIsaIn(USHORT Port)
{
    uint32_t Value = 0xFF;
    if (HalpBus())
        hw_bus_io_read(HalpBus(), Port, 1, &Value);
    return (UCHAR)Value;
}

BOOLEAN HalpIsaValidChannel(const DEVICE_DESCRIPTION *Description)
{
    return Description->DmaChannel < 8 && Description->DmaChannel != 4;
}

/* the boundary a slave transfer may not cross (the address register wraps there) */
ULONGLONG HalpIsaBoundary(const DEVICE_DESCRIPTION *Description)
{
    return HalpIsaWordChannel(Description->DmaChannel) ? 0x20000ull : 0x10000ull;
}

/* Map registers one transfer can use: one boundary's worth of pages. */
ULONG HalpIsaMaxMapRegisters(const DEVICE_DESCRIPTION *Description)
{
    return (ULONG)(HalpIsaBoundary(Description) / PAGE_SIZE);
}

/* Alignment that keeps a buffer of Length inside one boundary (the next power of
 * two >= Length, at most the boundary; a larger buffer cannot avoid crossing). */
ULONGLONG HalpIsaAlignment(const DEVICE_DESCRIPTION *Description, ULONG Length)
{
    ULONGLONG Align = PAGE_SIZE, Boundary = HalpIsaBoundary(Description);
    while (Align < Length && Align < Boundary)
        Align <<= 1;
    return Align;
}

void HalpIsaProgram(const DEVICE_DESCRIPTION *Description, ULONGLONG Pa, ULONG Length, BOOLEAN WriteToDevice)
{
    ULONG Channel = Description->DmaChannel;
    BOOLEAN Word = HalpIsaWordChannel(Channel);
    UCHAR Mode = (UCHAR)((Channel & 3) | (WriteToDevice ? HW_I8237_MODE_READ : HW_I8237_MODE_WRITE) |
                         (Description->AutoInitialize ? HW_I8237_MODE_AUTOINIT : 0) |
                         (Description->DemandMode ? HW_I8237_MODE_DEMAND : HW_I8237_MODE_SINGLE));
    ULONG Units = Word ? Length / 2 : Length;
    ULONG Address = Word ? (ULONG)(Pa >> 1) : (ULONG)Pa;
    USHORT Count = (USHORT)(Units ? Units - 1 : 0);
    HalpIsaOut(HalpIsaPort(Channel, HW_I8237_SINGLE_MASK), (UCHAR)(4 | (Channel & 3)));
    HalpIsaOut(HalpIsaPort(Channel, HW_I8237_CLEAR_FLIPFLOP), 0);
    HalpIsaOut(HalpIsaPort(Channel, HW_I8237_MODE), Mode);
    HalpIsaOut(HalpIsaPort(Channel, (Channel & 3) * 2), (UCHAR)Address);
    HalpIsaOut(HalpIsaPort(Channel, (Channel & 3) * 2), (UCHAR)(Address >> 8));
    HalpIsaOut(HalpDmaPagePort[Channel], (UCHAR)((Pa >> 16) & (Word ? 0xFE : 0xFF)));
    HalpIsaOut(HalpIsaPort(Channel, (Channel & 3) * 2 + 1), (UCHAR)Count);
    HalpIsaOut(HalpIsaPort(Channel, (Channel & 3) * 2 + 1), (UCHAR)(Count >> 8));
    HalpIsaOut(HalpIsaPort(Channel, HW_I8237_SINGLE_MASK), (UCHAR)(Channel & 3));
}

void HalpIsaStop(const DEVICE_DESCRIPTION *Description)
{
    ULONG Channel = Description->DmaChannel;
    HalpIsaOut(HalpIsaPort(Channel, HW_I8237_SINGLE_MASK), (UCHAR)(4 | (Channel & 3)));
}

/* Bytes the channel has still to transfer (0 once it reached terminal count). */
ULONG HalpIsaReadCounter(const DEVICE_DESCRIPTION *Description)
{
    ULONG Channel = Description->DmaChannel;
    HalpIsaOut(HalpIsaPort(Channel, HW_I8237_CLEAR_FLIPFLOP), 0);
    ULONG Low = HalpIsaIn(HalpIsaPort(Channel, (Channel & 3) * 2 + 1));
    ULONG High = HalpIsaIn(HalpIsaPort(Channel, (Channel & 3) * 2 + 1));
    ULONG Units = ((High << 8 | Low) + 1) & 0xFFFF;
    return HalpIsaWordChannel(Channel) ? Units * 2 : Units;
}
