/* tests/floppy: floppy.sys end to end on the machine's 82077AA floppy controller and
 * 8237 DMA controllers: data written through the driver lands in the image file on
 * the host byte for byte, reads come back, geometry, and the device-side faults
 * (media error, removed disk, lost interrupt, write protect) give proper statuses
 * with no verifier findings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <ntddk.h>
#include <ntsim/ntsim.h>
#include <hwmodel/fdc.h>

#include "../../driver/floppy/floppy_ioctl.h"

#define IMAGE_1440 1474560u
#define IMAGE_720 737280u

static char ImagePath[64];
static char FdcSpec[160];

static ntsim_machine *Machine(const char *Fdc)
{
    static const char *Devices[4];
    Devices[0] = "pit8254";
    Devices[1] = "i8237";
    Devices[2] = Fdc;
    Devices[3] = NULL;
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = Fdc ? Devices : NULL };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *M = ntsim_machine_create(&Config);
    if (M == NULL)
        fail_msg("machine: %s", ntsim_last_error());
    return M;
}

/* An image file with a known pattern; its path in ImagePath. */
static void MakeImage(size_t Size)
{
    snprintf(ImagePath, sizeof(ImagePath), "/tmp/ntsim-floppy-XXXXXX");
    int Fd = mkstemp(ImagePath);
    assert_true(Fd >= 0);
    unsigned char *Data = malloc(Size);
    for (size_t i = 0; i < Size; i++)
        Data[i] = (unsigned char)(i / 512 + i * 3);
    assert_int_equal(write(Fd, Data, Size), (ssize_t)Size);
    free(Data);
    close(Fd);
}

static size_t Errors(ntsim_machine *M)
{
    size_t N = 0;
    for (size_t i = 0; i < ntsim_finding_count(M); i++)
        if (ntsim_finding_at(M, i)->severity == NTSIM_SEV_ERROR)
            N++;
    if (N)
        ntsim_print_findings(stdout, M);
    return N;
}

static ntsim_driver *Load(ntsim_machine *M, ntsim_file **File)
{
    ntsim_driver *D;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(M, NTSIM_DRIVER_DIR "/floppy.sys", NULL, &D, &Status), 0);
    if (Status != 0)
        fail_msg("DriverEntry: %s", ntsim_status_name(Status));
    assert_int_equal(ntsim_open(M, FLOPPY_USER_PATH, File), 0);
    return D;
}

static void Finish(ntsim_machine *M, ntsim_driver *D, ntsim_file *File)
{
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(D), 0);
    assert_int_equal(Errors(M), 0);
    ntsim_machine_destroy(M);
}

static int32_t ReadAt(ntsim_file *File, uint64_t Offset, void *Buffer, size_t Length, size_t *Got)
{
    assert_int_equal(ntsim_seek(File, Offset), 0);
    return ntsim_read(File, Buffer, Length, Got);
}

static int32_t WriteAt(ntsim_file *File, uint64_t Offset, const void *Buffer, size_t Length, size_t *Put)
{
    assert_int_equal(ntsim_seek(File, Offset), 0);
    return ntsim_write(File, Buffer, Length, Put);
}

static void test_file_written_reads_back_from_image(void **State)
{
    (void)State;
    MakeImage(IMAGE_1440);
    snprintf(FdcSpec, sizeof(FdcSpec), "isa-fdc,drive0=%s", ImagePath);
    ntsim_machine *M = Machine(FdcSpec);
    ntsim_file *File;
    ntsim_driver *D = Load(M, &File);
    /* a 13 KiB "file" from sector 30 on: it crosses from side 1 of cylinder 0 to cylinder 1 */
    enum { Length = 26 * 512 };
    static unsigned char Out[Length], In[Length], Host[Length];
    for (size_t i = 0; i < Length; i++)
        Out[i] = (unsigned char)(i * 7 + (i >> 9) + 0x5A);
    size_t Put = 0, Got = 0;
    assert_int_equal(WriteAt(File, 30 * 512, Out, Length, &Put), 0);
    assert_int_equal(Put, Length);
    FILE *Image = fopen(ImagePath, "rb");
    assert_non_null(Image);
    assert_int_equal(fseek(Image, 30 * 512, SEEK_SET), 0);
    assert_int_equal(fread(Host, 1, Length, Image), Length);
    assert_memory_equal(Host, Out, Length);
    /* the sectors around it are untouched */
    unsigned char Edge[512];
    assert_int_equal(fseek(Image, 29 * 512, SEEK_SET), 0);
    assert_int_equal(fread(Edge, 1, 512, Image), 512);
    for (size_t i = 0; i < 512; i++)
        assert_int_equal(Edge[i], (unsigned char)(29 * 512 / 512 + (29 * 512 + i) * 3));
    fclose(Image);
    /* and the driver reads it back */
    assert_int_equal(ReadAt(File, 30 * 512, In, Length, &Got), 0);
    assert_int_equal(Got, Length);
    assert_memory_equal(In, Out, Length);
    /* a read of untouched sectors gives the image's bytes */
    assert_int_equal(ReadAt(File, 2000 * 512, In, 1024, &Got), 0);
    for (size_t i = 0; i < 1024; i++)
        assert_int_equal(In[i], (unsigned char)((2000 * 512 + i) / 512 + (2000 * 512 + i) * 3));
    Finish(M, D, File);
    unlink(ImagePath);
}

static void test_geometry_and_bad_requests(void **State)
{
    (void)State;
    ntsim_machine *M = Machine(NULL); /* the default PC: a blank 1.44M disk */
    /* HARDWARE\DESCRIPTION, where the driver finds it */
    char *Tree = ntsim_reg_export_text(M, "\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\"
                                          "MultifunctionAdapter\\0\\DiskController");
    assert_non_null(Tree);
    assert_non_null(strstr(Tree, "DiskController\\0]\r\n\"Identifier\"=\"82077AA\""));
    assert_non_null(strstr(Tree, "DiskController\\0\\FloppyDiskPeripheral\\0]\r\n\"Identifier\"=\"FLOPPY1\""));
    free(Tree);
    ntsim_file *File;
    ntsim_driver *D = Load(M, &File);
    DISK_GEOMETRY G;
    size_t Got = 0;
    assert_int_equal(ntsim_ioctl(File, IOCTL_DISK_GET_DRIVE_GEOMETRY, NULL, 0, &G, sizeof(G), &Got), 0);
    assert_int_equal(Got, sizeof(G));
    assert_int_equal(G.Cylinders.QuadPart, 80);
    assert_int_equal(G.MediaType, F3_1Pt44_512);
    assert_int_equal(G.TracksPerCylinder, 2);
    assert_int_equal(G.SectorsPerTrack, 18);
    assert_int_equal(G.BytesPerSector, 512);
    assert_int_equal(ntsim_ioctl(File, IOCTL_DISK_GET_DRIVE_GEOMETRY, NULL, 0, &G, 4, &Got),
                     (int32_t)STATUS_BUFFER_TOO_SMALL);
    unsigned char Buffer[1024];
    assert_int_equal(ReadAt(File, 100, Buffer, 512, &Got), (int32_t)STATUS_INVALID_PARAMETER);
    assert_int_equal(ReadAt(File, 0, Buffer, 100, &Got), (int32_t)STATUS_INVALID_PARAMETER);
    assert_int_equal(ReadAt(File, IMAGE_1440 - 512, Buffer, 1024, &Got), (int32_t)STATUS_INVALID_PARAMETER);
    /* the blank disk reads as zeros, the last sector too */
    memset(Buffer, 0xEE, sizeof(Buffer));
    assert_int_equal(ReadAt(File, IMAGE_1440 - 1024, Buffer, 1024, &Got), 0);
    for (size_t i = 0; i < sizeof(Buffer); i++)
        assert_int_equal(Buffer[i], 0);
    Finish(M, D, File);
}

static void test_media_error_is_reported(void **State)
{
    (void)State;
    ntsim_machine *M = Machine(NULL);
    ntsim_file *File;
    ntsim_driver *D = Load(M, &File);
    hw_fdc *Fdc = ntsim_machine_fdc(M, 0);
    assert_non_null(Fdc);
    /* LBA 40 = cylinder 1, head 0, sector 5 */
    assert_int_equal(hw_fdc_set_bad_sector(Fdc, 0, 1, 0, 5, true), 0);
    unsigned char Buffer[2048];
    size_t Got = 99;
    assert_int_equal(ReadAt(File, 40 * 512, Buffer, 512, &Got), (int32_t)STATUS_CRC_ERROR);
    assert_int_equal(Got, 0);
    /* a read that reaches it stops there with what came before */
    assert_int_equal(ReadAt(File, 38 * 512, Buffer, 2048, &Got), (int32_t)STATUS_CRC_ERROR);
    /* its neighbours are fine, and the sector heals */
    assert_int_equal(ReadAt(File, 41 * 512, Buffer, 512, &Got), 0);
    assert_int_equal(hw_fdc_set_bad_sector(Fdc, 0, 1, 0, 5, false), 0);
    assert_int_equal(ReadAt(File, 40 * 512, Buffer, 512, &Got), 0);
    assert_int_equal(Got, 512);
    Finish(M, D, File);
}

static void test_removed_disk_and_lost_interrupt(void **State)
{
    (void)State;
    ntsim_machine *M = Machine(NULL);
    ntsim_file *File;
    ntsim_driver *D = Load(M, &File);
    hw_fdc *Fdc = ntsim_machine_fdc(M, 0);
    unsigned char Buffer[512];
    size_t Got;
    assert_int_equal(ReadAt(File, 0, Buffer, 512, &Got), 0);
    hw_fdc_eject(Fdc, 0);
    assert_int_equal(ReadAt(File, 0, Buffer, 512, &Got), (int32_t)STATUS_NO_MEDIA_IN_DEVICE);
    assert_int_equal(hw_fdc_insert_blank(Fdc, 0, HW_FDC_MEDIA_1440K, false), 0);
    assert_int_equal(ReadAt(File, 0, Buffer, 512, &Got), 0);
    /* the controller's next interrupt is lost: the driver times out, polls, and goes on */
    hw_fault Lose = { .kinds = HW_FAULT_LOSE_NEXT_IRQ };
    hw_fdc_inject(Fdc, &Lose);
    memset(Buffer, 0x11, sizeof(Buffer));
    uint64_t Before = ntsim_now_ns(M);
    assert_int_equal(WriteAt(File, 512, Buffer, 512, &Got), 0);
    assert_true(ntsim_now_ns(M) - Before >= 3000000000ull); /* it waited out its 3 s timeout */
    size_t Size;
    unsigned char *Disk = hw_fdc_media_data(Fdc, 0, &Size);
    assert_int_equal(Disk[512], 0x11);
    assert_int_equal(Disk[1023], 0x11);
    /* a controller that never becomes ready: the request fails; once it recovers the
     * driver resets it and goes on */
    hw_fault Stuck = { .kinds = HW_FAULT_NEVER_READY };
    hw_fdc_inject(Fdc, &Stuck);
    assert_int_equal(ReadAt(File, 0, Buffer, 512, &Got), (int32_t)STATUS_DEVICE_NOT_READY);
    hw_fdc_clear_faults(Fdc);
    Before = ntsim_now_ns(M);
    assert_int_equal(ReadAt(File, 512, Buffer, 512, &Got), 0);
    assert_int_equal(Buffer[0], 0x11);
    assert_true(ntsim_now_ns(M) - Before < 1000000000ull); /* no interrupt was lost on the way */
    /* a write-protected disk */
    hw_fdc_set_write_protect(Fdc, 0, true);
    assert_int_equal(WriteAt(File, 512, Buffer, 512, &Got), (int32_t)STATUS_MEDIA_WRITE_PROTECTED);
    Finish(M, D, File);
}

static void test_adapter_channel_failure(void **State)
{
    (void)State;
    ntsim_machine *M = Machine(NULL);
    ntsim_file *File;
    ntsim_driver *D = Load(M, &File);
    /* every DMA-class call fails: the read reports it and nothing is left held */
    assert_int_equal(ntsim_fault_configure_string(M, "random=1,seed=1,class=dma"), 0);
    unsigned char Buffer[512];
    size_t Got = 99;
    assert_int_equal(ReadAt(File, 0, Buffer, 512, &Got), (int32_t)STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(Got, 0);
    assert_int_equal(ntsim_fault_configure_string(M, "count"), 0);
    assert_int_equal(ReadAt(File, 0, Buffer, 512, &Got), 0);
    assert_int_equal(Got, 512);
    Finish(M, D, File);
}

static void test_720k_readonly_image(void **State)
{
    (void)State;
    MakeImage(IMAGE_720);
    snprintf(FdcSpec, sizeof(FdcSpec), "isa-fdc,drive0=%s,drive0.type=720K,readonly=on", ImagePath);
    ntsim_machine *M = Machine(FdcSpec);
    ntsim_file *File;
    ntsim_driver *D = Load(M, &File);
    DISK_GEOMETRY G;
    size_t Got;
    assert_int_equal(ntsim_ioctl(File, IOCTL_DISK_GET_DRIVE_GEOMETRY, NULL, 0, &G, sizeof(G), &Got), 0);
    assert_int_equal(G.MediaType, F3_720_512);
    assert_int_equal(G.SectorsPerTrack, 9);
    unsigned char Buffer[1024];
    assert_int_equal(ReadAt(File, 17 * 512, Buffer, 1024, &Got), 0); /* side 1 sector 9, cylinder 1 sector 1 */
    for (size_t i = 0; i < sizeof(Buffer); i++)
        assert_int_equal(Buffer[i], (unsigned char)((17 * 512 + i) / 512 + (17 * 512 + i) * 3));
    assert_int_equal(WriteAt(File, 0, Buffer, 512, &Got), (int32_t)STATUS_MEDIA_WRITE_PROTECTED);
    Finish(M, D, File);
    unlink(ImagePath);
}

static void test_no_controller_and_spurious_interrupts(void **State)
{
    (void)State;
    /* no floppy controller in HARDWARE\DESCRIPTION: refused, logged, nothing left behind */
    static const char *const NoFdc[] = { "pit8254", "i8237", NULL };
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = NoFdc };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *M = ntsim_machine_create(&Config);
    ntsim_driver *D;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(M, NTSIM_DRIVER_DIR "/floppy.sys", NULL, &D, &Status), 0);
    assert_int_equal(Status, (int32_t)STATUS_NO_SUCH_DEVICE);
    assert_int_equal(ntsim_error_log_count(M), 1);
    assert_int_equal(Errors(M), 0);
    ntsim_machine_destroy(M);
    /* HW-04: a spurious interrupt right after IoConnectInterrupt is refused by the ISR */
    Config.devices = NULL;
    Config.spurious_irq = 1;
    M = ntsim_machine_create(&Config);
    ntsim_file *File;
    D = Load(M, &File);
    unsigned char Buffer[512];
    size_t Got;
    assert_int_equal(ReadAt(File, 0, Buffer, 512, &Got), 0);
    Finish(M, D, File);
    /* the option errors name themselves */
    Config.spurious_irq = 0;
    static const char *const BadFdc[] = { "isa-fdc", NULL };
    Config.devices = BadFdc;
    assert_null(ntsim_machine_create(&Config));
    assert_non_null(strstr(ntsim_last_error(), "i8237"));
    static const char *const BadImage[] = { "i8237", "isa-fdc,drive0=/nonexistent/floppy.img", NULL };
    Config.devices = BadImage;
    assert_null(ntsim_machine_create(&Config));
    assert_non_null(strstr(ntsim_last_error(), "cannot open floppy image"));
    static const char *const BadType[] = { "i8237", "isa-fdc,drive0=blank,drive0.type=2.88M", NULL };
    Config.devices = BadType;
    assert_null(ntsim_machine_create(&Config));
    assert_non_null(strstr(ntsim_last_error(), "1.44M or 720K"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_written_reads_back_from_image),
        cmocka_unit_test(test_geometry_and_bad_requests),
        cmocka_unit_test(test_media_error_is_reported),
        cmocka_unit_test(test_removed_disk_and_lost_interrupt),
        cmocka_unit_test(test_adapter_channel_failure),
        cmocka_unit_test(test_720k_readonly_image),
        cmocka_unit_test(test_no_controller_and_spurious_interrupts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
