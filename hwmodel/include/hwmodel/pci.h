/* hwmodel/pci.h - PCI configuration space (type 0 headers) and BAR decoding.
 *
 * A hw_pci is the host bridge's view of buses 0..HW_PCI_MAX_BUSES-1, 32 devices
 * of 8 functions each.  A device embeds an hw_pci_dev: 256 bytes of
 * configuration space with the standard header, up to six BARs, and its INTx
 * line.  Configuration cycles follow the PCI local bus specification:
 *
 *  - an absent function reads all ones (vendor ID 0xFFFF); writes go nowhere;
 *  - read-only: IDs, revision, class code, header type, interrupt pin, BIST,
 *    subsystem IDs, capabilities pointer;
 *  - command (0x04): I/O space (bit 0), memory space (bit 1), bus master
 *    (bit 2), interrupt disable (bit 10) and a few harmless bits are writable;
 *  - status (0x06): bit 3 is the live interrupt status; error bits 11-15 are
 *    write-one-to-clear;
 *  - BARs: the low bits that encode the size read back as zero, so writing all
 *    ones and reading back gives ~(size - 1) | type bits (size probing);
 *  - interrupt line (0x3C), latency timer and cache line size are plain
 *    read/write storage (firmware writes the routed IRQ to the line register).
 *
 * A memory BAR is mapped on the MMIO bus at its address while the command
 * register's memory-space bit is set and the address is not zero; I/O BARs
 * likewise with the I/O-space bit.  Changing the BAR or the command register
 * maps, moves or unmaps the range.  A BAR whose range overlaps another device
 * stays unmapped (hw_pci_bar_mapped() says so).
 *
 * INTx: hw_pci_set_irq() sets status bit 3 and drives the routed line (the
 * value of the interrupt line register at attach time) unless interrupt
 * disable is set.  Level-triggered, as PCI interrupts are.
 */
#ifndef HWMODEL_PCI_H
#define HWMODEL_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hwmodel/bus.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HW_PCI_MAX_BUSES 4
#define HW_PCI_DEVICES 32
#define HW_PCI_FUNCTIONS 8
#define HW_PCI_BARS 6
#define HW_PCI_CONFIG_SIZE 256

/* standard header offsets */
#define HW_PCI_VENDOR_ID 0x00
#define HW_PCI_DEVICE_ID 0x02
#define HW_PCI_COMMAND 0x04
#define HW_PCI_STATUS 0x06
#define HW_PCI_REVISION 0x08
#define HW_PCI_CLASS_PROG 0x09
#define HW_PCI_HEADER_TYPE 0x0E
#define HW_PCI_BAR0 0x10
#define HW_PCI_SUBSYS_VENDOR 0x2C
#define HW_PCI_SUBSYS_ID 0x2E
#define HW_PCI_INTERRUPT_LINE 0x3C
#define HW_PCI_INTERRUPT_PIN 0x3D

#define HW_PCI_CMD_IO 0x0001
#define HW_PCI_CMD_MEMORY 0x0002
#define HW_PCI_CMD_MASTER 0x0004
#define HW_PCI_CMD_INTX_DISABLE 0x0400
#define HW_PCI_STATUS_INTERRUPT 0x0008
#define HW_PCI_STATUS_RECEIVED_MASTER_ABORT 0x2000

typedef struct hw_pci hw_pci;

typedef struct hw_pci_bar {
    uint64_t             size;      /* 0 = BAR absent; else a power of two */
    bool                 io;        /* I/O space BAR (else 32-bit memory) */
    const hw_region_ops *ops;
    void                *opaque;
    uint64_t             mapped_at; /* valid while mapped */
    bool                 mapped;
} hw_pci_bar;

typedef struct hw_pci_dev {
    hw_pci    *pci;
    unsigned   bus, device, function;
    bool       attached;
    char       name[32];
    uint8_t    config[HW_PCI_CONFIG_SIZE];
    hw_pci_bar bars[HW_PCI_BARS];
    hw_irq     irq;
    int        intx;                /* the device's INTx request (before disable) */
} hw_pci_dev;

hw_pci *hw_pci_new(hw_bus *bus);
/* Detaches (unmaps) every device still attached; the devices' memory is theirs. */
void hw_pci_free(hw_pci *pci);
hw_bus *hw_pci_bus(const hw_pci *pci);

/* Set up the header (type 0) of an unattached device. */
void hw_pci_dev_init(hw_pci_dev *dev, const char *name, uint16_t vendor, uint16_t device_id, uint8_t revision,
                     uint32_t class_code, uint8_t interrupt_pin);
/* BAR index (0-5) of size bytes (power of two; memory: >= 16, I/O: >= 4). */
void hw_pci_dev_set_bar(hw_pci_dev *dev, unsigned index, uint64_t size, bool io, const hw_region_ops *ops,
                        void *opaque);
/* Place the device; the interrupt line register gets irq_line (0xFF = none).
 * 0, -EBUSY (slot taken), -EINVAL. */
int hw_pci_attach(hw_pci *pci, hw_pci_dev *dev, unsigned bus, unsigned device, unsigned function,
                  unsigned irq_line);
void hw_pci_detach(hw_pci_dev *dev);
hw_pci_dev *hw_pci_find(const hw_pci *pci, unsigned bus, unsigned device, unsigned function);

/* Configuration cycles: size 1, 2 or 4, naturally aligned inside the 256 bytes.
 * Reads of an absent function return all ones. */
uint32_t hw_pci_config_read(hw_pci *pci, unsigned bus, unsigned device, unsigned function, unsigned offset,
                            unsigned size);
void hw_pci_config_write(hw_pci *pci, unsigned bus, unsigned device, unsigned function, unsigned offset,
                         unsigned size, uint32_t value);

/* Firmware helper: give every memory BAR of dev an address from *next (aligned
 * to its size; *next advances), I/O BARs from *next_io, then enable decoding and
 * bus mastering, as a PC BIOS leaves devices it configured. */
void hw_pci_firmware_assign(hw_pci_dev *dev, uint64_t *next_mem, uint32_t *next_io);

/* Device side. */
void hw_pci_set_irq(hw_pci_dev *dev, int level);
bool hw_pci_bus_master_enabled(const hw_pci_dev *dev);
/* Record a master abort (status bit 13) after a failed DMA access. */
void hw_pci_master_abort(hw_pci_dev *dev);
uint64_t hw_pci_bar_address(const hw_pci_dev *dev, unsigned index);

#ifdef __cplusplus
}
#endif
#endif
