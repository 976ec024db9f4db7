/* serial-echo - the whole chain from a person's terminal to a driver and back.
 *
 * Loads driver/serial (serial.sys) onto the default PC with COM1's 16550 on a TCP
 * port or a pseudo-terminal, opens \\.\COM1 through the host API and echoes every
 * line it reads. Virtual time is paced to wall time while it runs, so the UART's line
 * rate is real:
 *
 *   build/bin/serial-echo [PORT] [--vcd FILE]      (default port 5555)
 *   nc 127.0.0.1 5555                               (type lines; they come back)
 *
 *   build/bin/serial-echo pty [--vcd FILE]          (prints the pty's path)
 *   screen /dev/pts/N 115200                        (or picocom, minicom, cat/echo)
 *
 * Path of a byte: nc -> libuv TCP back end -> 16550 receiver (one character time
 * each) -> IRQ 4 -> ISR -> ring buffer -> DPC -> read IRP -> this program -> write
 * IRP -> StartIo -> THRE interrupts -> 16550 transmitter -> TCP -> nc. */
#include <ntsim/ntsim.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IOCTL_SERIAL_SET_BAUD_RATE 0x001B0004u
#define IOCTL_SERIAL_SET_TIMEOUTS 0x001B001Cu

static volatile int Stop;

static void OnSignal(int Signal)
{
    (void)Signal;
    Stop = 1;
}

int main(int argc, char **argv)
{
    int Port = 5555, Pty = 0;
    const char *Vcd = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--vcd") && i + 1 < argc)
            Vcd = argv[++i];
        else if (!strcmp(argv[i], "pty"))
            Pty = 1;
        else if (atoi(argv[i]) > 0 && atoi(argv[i]) < 65536)
            Port = atoi(argv[i]);
        else {
            fprintf(stderr, "usage: serial-echo [PORT|pty] [--vcd FILE]\n");
            return 2;
        }
    }
    char Uart[128];
    if (Pty)
        snprintf(Uart, sizeof(Uart), "uart16550,io=0x3f8,irq=4,chardev=pty");
    else
        snprintf(Uart, sizeof(Uart), "uart16550,io=0x3f8,irq=4,chardev=tcp:127.0.0.1:%d", Port);
    const char *Devices[] = { Uart, "pit8254,io=0x40,irq=0", NULL };
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 0, .devices = Devices, .vcd_path = Vcd };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL) {
        fprintf(stderr, "serial-echo: %s\n", ntsim_last_error());
        return 1;
    }
    const char *Dir = getenv("NTSIM_DRIVER_DIR");
    char Image[1024];
    snprintf(Image, sizeof(Image), "%s/serial.sys", Dir ? Dir : NTSIM_DRIVER_DIR);
    ntsim_driver *Driver;
    int32_t Status;
    ntsim_file *Com1;
    if (ntsim_driver_load(Machine, Image, NULL, &Driver, &Status) != 0 || Status != 0 ||
        ntsim_open(Machine, "\\\\.\\COM1", &Com1) != 0) {
        fprintf(stderr, "serial-echo: cannot start serial.sys: %s (%s)\n", ntsim_last_error(),
                ntsim_status_name(Status));
        ntsim_print_findings(stderr, Machine);
        ntsim_machine_destroy(Machine);
        return 1;
    }
    uint32_t Baud = 115200;
    uint32_t Timeouts[5] = { 0, 0, 0, 0, 0 }; /* reads wait for their bytes */
    size_t Returned;
    ntsim_ioctl(Com1, IOCTL_SERIAL_SET_BAUD_RATE, &Baud, sizeof(Baud), NULL, 0, &Returned);
    ntsim_ioctl(Com1, IOCTL_SERIAL_SET_TIMEOUTS, Timeouts, sizeof(Timeouts), NULL, 0, &Returned);
    ntsim_uart *Com1Uart = ntsim_machine_uart(Machine, 0);
    if (Pty)
        printf("serial-echo: COM1 (16550 at 0x3f8, IRQ 4, 115200 8N1) on pty %s; try `screen %s 115200`\n",
               ntsim_uart_pty_name(Com1Uart), ntsim_uart_pty_name(Com1Uart));
    else
        printf("serial-echo: COM1 (16550 at 0x3f8, IRQ 4, 115200 8N1) on tcp 127.0.0.1:%d; try `nc 127.0.0.1 %d`\n",
               ntsim_uart_tcp_port(Com1Uart), Port);
    fflush(stdout);
    signal(SIGINT, OnSignal);
    signal(SIGTERM, OnSignal);

    char Line[4096];
    size_t Used = 0;
    char Byte;
    ntsim_request *Read = NULL;
    while (!Stop && !ntsim_machine_crashed(Machine, NULL)) {
        if (Read == NULL && ntsim_read_async(Com1, &Byte, 1, &Read) < 0)
            break;
        int32_t ReadStatus;
        size_t Got;
        if (!ntsim_request_done(Read, &ReadStatus, &Got)) {
            ntsim_machine_run_paced(Machine, 10000000 /* 10 ms */, &Stop);
            continue;
        }
        ntsim_request_free(Read);
        Read = NULL;
        if (ReadStatus != 0 || Got != 1)
            continue;
        Line[Used++] = Byte;
        if (Byte != '\n' && Used < sizeof(Line))
            continue;
        ntsim_request *Write;
        if (ntsim_write_async(Com1, Line, Used, &Write) >= 0) {
            while (!ntsim_request_done(Write, NULL, NULL) && !Stop && !ntsim_machine_crashed(Machine, NULL))
                ntsim_machine_run_paced(Machine, 1000000, &Stop);
            ntsim_request_free(Write);
        }
        printf("echoed %zu bytes\n", Used);
        fflush(stdout);
        Used = 0;
    }
    if (Read) {
        ntsim_close(Com1); /* cleanup cancels the pending read */
        ntsim_request_free(Read);
    } else {
        ntsim_close(Com1);
    }
    ntsim_driver_unload(Driver);
    ntsim_bugcheck Crash;
    if (ntsim_machine_crashed(Machine, &Crash))
        ntsim_print_bugcheck(stdout, &Crash);
    ntsim_print_findings(stdout, Machine);
    ntsim_machine_destroy(Machine);
    return 0;
}
