/* input.c - ntsim-bench figures for the input devices: the virtual time from a key
 * press (ntsim_kbd_key) to i8042kbd.sys's keyboard ISR. A PS/2 byte takes 880 us on
 * the wire, so the figure is that plus the controller and port-access costs. */
#include <ntddk.h>
#include <ntsim/ntsim.h>

#include <stdio.h>
#include <stdlib.h>

#include "../../driver/i8042kbd/i8042kbd_ioctl.h"

static int InputCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

/* Median over 15 presses and releases of 'A'. */
double BenchKbdIrqLatency(const char *ImagePath)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    ntsim_driver *Driver;
    int32_t Status;
    ntsim_file *File;
    if (ntsim_driver_load(Machine, ImagePath, NULL, &Driver, &Status) != 0 || Status != 0 ||
        ntsim_open(Machine, I8042KBD_KEYBOARD_PATH, &File) != 0) {
        fprintf(stderr, "ntsim-bench: cannot start i8042kbd.sys: %s\n", ntsim_last_error());
        exit(1);
    }
    enum { PRESSES = 15 };
    double Samples[PRESSES];
    for (int i = 0; i < PRESSES; i++) {
        KEYBOARD_INPUT_DATA Key;
        ntsim_request *Read;
        ntsim_read_async(File, &Key, sizeof(Key), &Read);
        uint64_t Pressed = ntsim_now_ns(Machine);
        ntsim_kbd_key(Machine, 0x1E, (i & 1) == 0);
        if (ntsim_request_wait(Read, 100000000ull) != 1) {
            fprintf(stderr, "ntsim-bench: the key never reached i8042kbd.sys\n");
            exit(1);
        }
        ntsim_request_free(Read);
        I8042KBD_STATS Stats;
        size_t Returned;
        ntsim_ioctl(File, IOCTL_I8042KBD_STATS, NULL, 0, &Stats, sizeof(Stats), &Returned);
        double IsrNs = (double)Stats.LastKeyboardIsr * 1e9 / (double)Stats.PerformanceFrequency;
        Samples[i] = IsrNs - (double)Pressed;
    }
    ntsim_close(File);
    ntsim_driver_unload(Driver);
    ntsim_machine_destroy(Machine);
    qsort(Samples, PRESSES, sizeof(double), InputCompare);
    return Samples[PRESSES / 2];
}
