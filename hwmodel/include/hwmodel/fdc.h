/* hwmodel/fdc.h - 82077AA-class floppy disk controller (PC/AT mode) with up to
 * four 3.5" drives holding raw 1.44 MB or 720 KB images.
 *
 * Registers at io_base (0x3F0): +2 DOR, +3 TDR, +4 MSR (read) / DSR (write),
 * +5 FIFO, +7 DIR (read) / CCR (write); +0/+1 (status A/B, PS/2 only) read
 * 0xFF; +6 belongs to the IDE controller and is not mapped.  The interrupt goes
 * to bus line `irq` gated by DOR bit 3, as on an AT; DMA uses an 8237 channel.
 * Timing (README.md): 300 rpm (200 ms a revolution), sectors spread evenly over
 * the track, data at the programmed rate (500 kbit/s: 16 us a byte), step rate,
 * head load and unload times from SPECIFY, motor spin-up from the drive.
 */
#ifndef HWMODEL_FDC_H
#define HWMODEL_FDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/bus.h"
#include "hwmodel/fault.h"
#include "hwmodel/i8237.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { HW_FDC_SRA = 0, HW_FDC_SRB = 1, HW_FDC_DOR = 2, HW_FDC_TDR = 3, HW_FDC_MSR = 4, HW_FDC_DSR = 4,
       HW_FDC_FIFO = 5, HW_FDC_DIR = 7, HW_FDC_CCR = 7 };
/* DOR */
enum { HW_FDC_DOR_SEL = 0x03, HW_FDC_DOR_NRESET = 0x04, HW_FDC_DOR_DMAGATE = 0x08, HW_FDC_DOR_MOTOR0 = 0x10 };
/* MSR */
enum { HW_FDC_MSR_BUSY0 = 0x01, HW_FDC_MSR_CB = 0x10, HW_FDC_MSR_NDMA = 0x20, HW_FDC_MSR_DIO = 0x40,
       HW_FDC_MSR_RQM = 0x80 };
/* DSR */
enum { HW_FDC_DSR_RESET = 0x80, HW_FDC_DSR_POWERDOWN = 0x40, HW_FDC_RATE_500K = 0, HW_FDC_RATE_300K = 1,
       HW_FDC_RATE_250K = 2, HW_FDC_RATE_1M = 3 };
enum { HW_FDC_DIR_DSKCHG = 0x80 };
/* commands (low five bits; MT 0x80, MFM 0x40, SK 0x20 above them) */
enum {
    HW_FDC_CMD_READ_TRACK = 0x02, HW_FDC_CMD_SPECIFY = 0x03, HW_FDC_CMD_SENSE_DRIVE = 0x04,
    HW_FDC_CMD_WRITE = 0x05, HW_FDC_CMD_READ = 0x06, HW_FDC_CMD_RECALIBRATE = 0x07,
    HW_FDC_CMD_SENSE_INT = 0x08, HW_FDC_CMD_READ_ID = 0x0A, HW_FDC_CMD_FORMAT = 0x0D,
    HW_FDC_CMD_DUMPREG = 0x0E, HW_FDC_CMD_SEEK = 0x0F, HW_FDC_CMD_VERSION = 0x10,
    HW_FDC_CMD_PERPENDICULAR = 0x12, HW_FDC_CMD_CONFIGURE = 0x13, HW_FDC_CMD_LOCK = 0x14,
    HW_FDC_MT = 0x80, HW_FDC_MFM = 0x40, HW_FDC_SK = 0x20,
};
/* status registers */
enum { HW_FDC_ST0_NORMAL = 0x00, HW_FDC_ST0_ABNORMAL = 0x40, HW_FDC_ST0_INVALID = 0x80, HW_FDC_ST0_READY = 0xC0,
       HW_FDC_ST0_SE = 0x20, HW_FDC_ST0_EC = 0x10, HW_FDC_ST0_HD = 0x04 };
enum { HW_FDC_ST1_MA = 0x01, HW_FDC_ST1_NW = 0x02, HW_FDC_ST1_ND = 0x04, HW_FDC_ST1_OR = 0x10,
       HW_FDC_ST1_DE = 0x20, HW_FDC_ST1_EN = 0x80 };
enum { HW_FDC_ST2_MD = 0x01, HW_FDC_ST2_BC = 0x02, HW_FDC_ST2_WC = 0x10, HW_FDC_ST2_DD = 0x20 };
enum { HW_FDC_ST3_DS = 0x03, HW_FDC_ST3_HD = 0x04, HW_FDC_ST3_T0 = 0x10, HW_FDC_ST3_RDY = 0x20,
       HW_FDC_ST3_WP = 0x40 };

#define HW_FDC_VERSION_82077 0x90u
#define HW_FDC_REVOLUTION_NS 200000000ull    /* 300 rpm */
#define HW_FDC_SPINUP_NS 300000000ull        /* default motor spin-up of the drive */
#define HW_FDC_DRIVES 4u

typedef enum hw_fdc_media { HW_FDC_MEDIA_NONE = 0, HW_FDC_MEDIA_1440K, HW_FDC_MEDIA_720K } hw_fdc_media;

typedef struct hw_fdc hw_fdc;

typedef struct hw_fdc_config {
    uint16_t  io_base;       /* 0x3F0 */
    unsigned  irq;           /* 6 */
    unsigned  dma_channel;   /* 2 */
    hw_i8237 *dma;           /* NULL: DMA requests go nowhere (overrun) */
    hw_time_t spinup_ns;     /* 0: HW_FDC_SPINUP_NS */
    const char *name;        /* bus range name; NULL: "fdc" */
} hw_fdc_config;

hw_fdc *hw_fdc_new(hw_bus *bus, const hw_fdc_config *cfg, int *err);
void hw_fdc_free(hw_fdc *fdc);

/* Drives.  A drive exists once attached (type = the media it takes, 1.44M drives also read 720K).
 * hw_fdc_insert_file: the image file must be exactly 1474560 or 737280 bytes; writes go to the
 * file at once.  read_only (or a file that cannot be opened for writing) sets write protect.
 * Returns 0 or a negative errno, with a message in msg. */
int hw_fdc_attach_drive(hw_fdc *fdc, unsigned drive, hw_fdc_media type);
int hw_fdc_insert_file(hw_fdc *fdc, unsigned drive, const char *path, bool read_only, char *msg, size_t msg_size);
/* A blank (zeroed) in-memory disk. */
int hw_fdc_insert_blank(hw_fdc *fdc, unsigned drive, hw_fdc_media media, bool read_only);
/* Remove the disk: the disk-change line sets and commands on the drive find no index pulse. */
void hw_fdc_eject(hw_fdc *fdc, unsigned drive);
void hw_fdc_set_write_protect(hw_fdc *fdc, unsigned drive, bool on);
/* The disk's bytes (NULL if none), for tests. */
uint8_t *hw_fdc_media_data(hw_fdc *fdc, unsigned drive, size_t *size);
hw_fdc_media hw_fdc_media_of(const hw_fdc *fdc, unsigned drive);

/* Register access as the CPU does it. */
uint8_t hw_fdc_read(hw_fdc *fdc, unsigned reg);
void hw_fdc_write(hw_fdc *fdc, unsigned reg, uint8_t value);

int hw_fdc_irq_output(const hw_fdc *fdc);
unsigned hw_fdc_cylinder(const hw_fdc *fdc, unsigned drive);

/* Faults: HW_FAULT_SPURIOUS_IRQ, LOSE_NEXT_IRQ, STUCK_BITS (reg = register offset),
 * NEVER_READY (MSR never shows RQM: the controller takes no command). */
void hw_fdc_inject(hw_fdc *fdc, const hw_fault *fault);
void hw_fdc_clear_faults(hw_fdc *fdc);
/* Media error: reading sector (c, h, r) of the drive's disk ends with a CRC error
 * in the data field (ST1 DE, ST2 DD).  bad = false heals it.  -EINVAL outside the disk. */
int hw_fdc_set_bad_sector(hw_fdc *fdc, unsigned drive, unsigned c, unsigned h, unsigned r, bool bad);

#ifdef __cplusplus
}
#endif
#endif
