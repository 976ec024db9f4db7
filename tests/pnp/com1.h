/* com1.h - what the wdmserial suites (serial_ioctl.c, serial_flow.c) share: the default
 * PC with driver/wdmserial started on COM1 and a handle open on it, its 16550 model,
 * IOCTLs on that handle, and the end of a test (no error findings, machine destroyed). */
#ifndef NTSIM_TESTS_PNP_COM1_H
#define NTSIM_TESTS_PNP_COM1_H
#define NTSIM_NO_SITES 1
#include <ntddk.h>
#include <ntddser.h>
#include <hwmodel/uart16550.h>

#include "ntsim_test.h"

#define MS 1000000ull

static ntsim_machine *Machine;
static ntsim_file *Port;

/* The machine with wdmserial started on COM1 (Port is opened by Com1Open). */
static void Com1Start(void)
{
    Machine = TestMachine();
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", TestDriverPath("wdmserial.sys"), NULL, NTSIM_PNP_FUNCTION),
                     0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
}

static void Com1Open(void)
{
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmSerial0", &Port), STATUS_SUCCESS);
}

static void Finish(void)
{
    assert_int_equal(ntsim_close(Port), STATUS_SUCCESS);
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
    Machine = NULL;
}

static hw_uart16550 *Uart(void)
{
    return ntsim_uart_model(ntsim_machine_uart(Machine, 0));
}

static int32_t Ioctl(uint32_t Code, const void *In, size_t InLength, void *Out, size_t OutLength)
{
    size_t Returned = 0;
    return ntsim_ioctl(Port, Code, In, InLength, Out, OutLength, &Returned);
}

static int32_t SetUlong(uint32_t Code, ULONG Value)
{
    return Ioctl(Code, &Value, sizeof(Value), NULL, 0);
}

static ULONG GetUlong(uint32_t Code)
{
    ULONG Value = 0xDEADBEEF;
    assert_int_equal(Ioctl(Code, NULL, 0, &Value, sizeof(Value)), STATUS_SUCCESS);
    return Value;
}
#endif
