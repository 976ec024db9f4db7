/* grade.c - lab 2 grader: write/read through a system buffer, and a device control with
 * each transfer method, each request completed once with the right status and length. */
#include "grade.h"
#include "lab2.h"

#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_BUFFER_OVERFLOW ((int32_t)0x80000005)

static ntsim_file *Lab2Open(void)
{
    LabLoad();
    ntsim_file *File;
    int32_t Status = ntsim_open(LabMachine, LAB2_USER_PATH, &File);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("opening %s gave %s", LAB2_USER_PATH, ntsim_status_name(Status));
    return File;
}

static void Lab2Done(ntsim_file *File)
{
    ntsim_close(File);
    LabExpectNoErrors("while serving requests");
    LabUnloadClean();
}

static void Lab2Store(ntsim_file *File, const char *Text)
{
    size_t Written = 0;
    int32_t Status = ntsim_write(File, Text, strlen(Text), &Written);
    if (Status != LAB_STATUS_SUCCESS || Written != strlen(Text))
        fail_msg("writing %zu bytes gave %s with Information %zu (expected STATUS_SUCCESS, %zu)", strlen(Text),
                 ntsim_status_name(Status), Written, strlen(Text));
}

static void write_then_read_returns_the_bytes(void **state)
{
    (void)state;
    ntsim_file *File = Lab2Open();
    Lab2Store(File, "kernel mode");
    char Buffer[64] = { 0 };
    size_t Read = 0;
    int32_t Status = ntsim_read(File, Buffer, sizeof(Buffer), &Read);
    if (Status != LAB_STATUS_SUCCESS || Read != 11 || memcmp(Buffer, "kernel mode", 11) != 0)
        fail_msg("reading back gave %s, %zu bytes \"%.*s\" (expected \"kernel mode\", 11 bytes)",
                 ntsim_status_name(Status), Read, (int)Read, Buffer);
    Lab2Done(File);
}

static void a_write_too_long_fails(void **state)
{
    (void)state;
    ntsim_file *File = Lab2Open();
    char Big[LAB2_CAPACITY + 1];
    memset(Big, 'x', sizeof(Big));
    size_t Written = 99;
    int32_t Status = ntsim_write(File, Big, sizeof(Big), &Written);
    if (Status != STATUS_BUFFER_OVERFLOW || Written != 0)
        fail_msg("a %d-byte write gave %s, Information %zu (expected STATUS_BUFFER_OVERFLOW, 0)", LAB2_CAPACITY + 1,
                 ntsim_status_name(Status), Written);
    Lab2Done(File);
}

static void buffered_ioctl_reverses(void **state)
{
    (void)state;
    ntsim_file *File = Lab2Open();
    char Out[16] = { 0 };
    size_t Returned = 0;
    int32_t Status = ntsim_ioctl(File, IOCTL_LAB2_REVERSE, "abcdef", 6, Out, sizeof(Out), &Returned);
    if (Status != LAB_STATUS_SUCCESS || Returned != 6 || memcmp(Out, "fedcba", 6) != 0)
        fail_msg("IOCTL_LAB2_REVERSE(\"abcdef\") gave %s, %zu bytes \"%.*s\" (expected \"fedcba\")",
                 ntsim_status_name(Status), Returned, (int)Returned, Out);
    Lab2Done(File);
}

static void direct_ioctl_upper_cases_into_the_mdl(void **state)
{
    (void)state;
    ntsim_file *File = Lab2Open();
    Lab2Store(File, "Irp 42!");
    char Out[32] = { 0 };
    size_t Returned = 0;
    int32_t Status = ntsim_ioctl(File, IOCTL_LAB2_UPPER, NULL, 0, Out, sizeof(Out), &Returned);
    if (Status != LAB_STATUS_SUCCESS || Returned != 7 || memcmp(Out, "IRP 42!", 7) != 0)
        fail_msg("IOCTL_LAB2_UPPER after writing \"Irp 42!\" gave %s, %zu bytes \"%.*s\" (expected \"IRP 42!\")",
                 ntsim_status_name(Status), Returned, (int)Returned, Out);
    Lab2Done(File);
}

static void neither_ioctl_sums_the_user_buffer(void **state)
{
    (void)state;
    ntsim_file *File = Lab2Open();
    unsigned char In[5] = { 1, 2, 3, 200, 250 };
    uint32_t Sum = 0;
    size_t Returned = 0;
    int32_t Status = ntsim_ioctl(File, IOCTL_LAB2_SUM, In, sizeof(In), &Sum, sizeof(Sum), &Returned);
    if (Status != LAB_STATUS_SUCCESS || Returned != 4 || Sum != 456)
        fail_msg("IOCTL_LAB2_SUM({1,2,3,200,250}) gave %s, Information %zu, sum %u (expected 456 in 4 bytes)",
                 ntsim_status_name(Status), Returned, Sum);
    Lab2Done(File);
}

static void unknown_ioctl_is_refused(void **state)
{
    (void)state;
    ntsim_file *File = Lab2Open();
    size_t Returned = 0;
    int32_t Status = ntsim_ioctl(File, LAB2_CTL(0x8FFu, 0u), NULL, 0, NULL, 0, &Returned);
    if (Status != STATUS_INVALID_DEVICE_REQUEST)
        fail_msg("an unknown control code gave %s (expected STATUS_INVALID_DEVICE_REQUEST)", ntsim_status_name(Status));
    Lab2Done(File);
}

static void every_DriverEntry_failure_path_is_clean(void **state)
{
    (void)state;
    LabSweepClean();
}

static const struct CMUnitTest Checks[] = {
    cmocka_unit_test(write_then_read_returns_the_bytes),
    cmocka_unit_test(a_write_too_long_fails),
    cmocka_unit_test(buffered_ioctl_reverses),
    cmocka_unit_test(direct_ioctl_upper_cases_into_the_mdl),
    cmocka_unit_test(neither_ioctl_sums_the_user_buffer),
    cmocka_unit_test(unknown_ioctl_is_refused),
    cmocka_unit_test(every_DriverEntry_failure_path_is_clean),
};

LAB_MAIN("lab2-irps", Checks)
