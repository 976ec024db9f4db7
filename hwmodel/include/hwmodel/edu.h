/* hwmodel/edu.h - the "edu" teaching device (PCI 1234:11e8), a bus master.
 *
 * Register map of BAR0 (1 MiB of memory space), as documented for QEMU's edu
 * device.  Registers are 32 bits wide (the DMA registers 0x80-0x98 also take
 * 64-bit accesses); other offsets read all ones and ignore writes.
 *
 *   0x00 RO  identification 0x010000ed
 *   0x04 RW  liveness check: reads the bitwise inversion of the value written
 *   0x08 RW  factorial: a write (ignored while busy) starts computing n!, the
 *            result (mod 2^32) replaces the value when done
 *   0x20 RW  status: bit 0 busy computing (RO), bit 7 raise interrupt 0x001
 *            when the factorial is done
 *   0x24 RO  interrupt status
 *   0x60 WO  raise interrupt: status |= value
 *   0x64 WO  acknowledge interrupt: status &= ~value
 *   0x80 RW  DMA source address      0x88 RW DMA destination address
 *   0x90 RW  DMA transfer count      0x98 RW DMA command: bit 0 start
 *            (reads 1 while running), bit 1 direction (0: RAM -> device
 *            buffer, 1: device buffer -> RAM), bit 2 raise interrupt 0x100 when
 *            done
 *
 * The DMA buffer is 4096 bytes at device address 0x40000.  A transfer whose
 * device-side range leaves the buffer does nothing (counted in dma_errors); a
 * RAM address outside simulated physical memory master-aborts (nothing copied,
 * PCI status bit 13, dma_errors).  DMA only runs with bus mastering enabled in
 * the command register; otherwise the start bit clears at once and nothing
 * moves (dma_errors).
 *
 * INTx (pin A) is asserted while the interrupt status is non-zero.
 *
 * Timing (virtual time):
 *   factorial: HW_EDU_FACT_BASE_NS + HW_EDU_FACT_STEP_NS per multiplication,
 *     the device stopping early once the product is 0 mod 2^32 (from 34! on):
 *     n! takes 1000 + 50 * min(n, 34) ns (0! and 1! take 1000 ns);
 *   DMA: HW_EDU_DMA_SETUP_NS + count * HW_EDU_DMA_NS_PER_KIB / 1024, about
 *     128 MB/s (a 32-bit 33 MHz PCI burst rate), data moved at completion:
 *     4096 bytes take 1000 + 32000 = 33000 ns.
 * Writes to the DMA registers while a transfer runs are ignored.
 */
#ifndef HWMODEL_EDU_H
#define HWMODEL_EDU_H

#include <stdint.h>

#include "hwmodel/bus.h"
#include "hwmodel/pci.h"
#include "hwmodel/physmem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HW_EDU_VENDOR 0x1234
#define HW_EDU_DEVICE 0x11E8
#define HW_EDU_BAR0_SIZE (1u << 20)

#define HW_EDU_REG_ID 0x00
#define HW_EDU_REG_LIVENESS 0x04
#define HW_EDU_REG_FACTORIAL 0x08
#define HW_EDU_REG_STATUS 0x20
#define HW_EDU_REG_IRQ_STATUS 0x24
#define HW_EDU_REG_IRQ_RAISE 0x60
#define HW_EDU_REG_IRQ_ACK 0x64
#define HW_EDU_REG_DMA_SRC 0x80
#define HW_EDU_REG_DMA_DST 0x88
#define HW_EDU_REG_DMA_COUNT 0x90
#define HW_EDU_REG_DMA_CMD 0x98

#define HW_EDU_ID 0x010000EDu
#define HW_EDU_STATUS_BUSY 0x01u
#define HW_EDU_STATUS_IRQ_FACT 0x80u
#define HW_EDU_IRQ_FACT 0x001u
#define HW_EDU_IRQ_DMA 0x100u
#define HW_EDU_DMA_START 0x1u
#define HW_EDU_DMA_TO_RAM 0x2u
#define HW_EDU_DMA_IRQ 0x4u
#define HW_EDU_DMA_BUF_ADDR 0x40000u
#define HW_EDU_DMA_BUF_SIZE 4096u

#define HW_EDU_FACT_BASE_NS 1000u
#define HW_EDU_FACT_STEP_NS 50u
#define HW_EDU_DMA_SETUP_NS 1000u
#define HW_EDU_DMA_NS_PER_KIB 8000u

typedef struct hw_edu hw_edu;

typedef struct hw_edu_config {
    unsigned    bus, device, function;  /* PCI location */
    unsigned    irq;                    /* routed INTx line (interrupt line register) */
    const char *name;                   /* "edu" if NULL */
} hw_edu_config;

/* Creates the device and attaches it to pci.  BAR0 is left at 0 (unmapped)
 * until firmware or software programs it.  NULL with *err = -EBUSY (slot
 * taken), -EINVAL or -ENOMEM. */
hw_edu *hw_edu_new(hw_pci *pci, hw_physmem *ram, const hw_edu_config *cfg, int *err);
void hw_edu_free(hw_edu *edu);
hw_pci_dev *hw_edu_pci(hw_edu *edu);

/* Register access without the bus (offset inside BAR0). */
uint64_t hw_edu_read(hw_edu *edu, uint64_t offset, unsigned size);
void hw_edu_write(hw_edu *edu, uint64_t offset, unsigned size, uint64_t value);

/* The 4096-byte DMA buffer, for tests. */
uint8_t *hw_edu_dma_buffer(hw_edu *edu);
uint64_t hw_edu_dma_errors(const hw_edu *edu);
uint64_t hw_edu_dma_bytes(const hw_edu *edu);   /* bytes moved by completed transfers */

#ifdef __cplusplus
}
#endif
#endif
