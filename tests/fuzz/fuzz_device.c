/* fuzz_device.c - libFuzzer target: `--device` option strings (ntsim_machine_add_device).
 *
 * Oracle: the simulator never crashes, a refused string leaves an error message, an
 * accepted one appears in the device list and survives machine teardown.
 * Strings that would reach host resources (a TCP port, a pty, a host file or image)
 * are skipped: they are what the option is for, not what a fuzzer should open. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ntsim/ntsim.h>

static const char *const NoDevices[] = { NULL };
static const char *const HostResources[] = { "tcp", "pty", "file", "drive", "wav", "vcd", "/", "\\" };

static int ReachesHost(const char *Spec)
{
    for (size_t i = 0; i < sizeof(HostResources) / sizeof(HostResources[0]); i++)
        if (strstr(Spec, HostResources[i]) != NULL)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    if (Size > 4096)
        return 0;
    char *Spec = malloc(Size + 1);
    if (Spec == NULL)
        abort();
    memcpy(Spec, Data, Size);
    Spec[Size] = '\0';
    if (ReachesHost(Spec)) {
        free(Spec);
        return 0;
    }
    ntsim_machine_config Config = { .verifier = 1, .quiet = 1, .devices = NoDevices };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL)
        abort();
    int Result = ntsim_machine_add_device(Machine, Spec);
    if (Result == 0 && ntsim_device_count(Machine) != 1) {
        fprintf(stderr, "fuzz_device: '%s' accepted but the machine has %zu devices\n", Spec,
                ntsim_device_count(Machine));
        abort();
    }
    if (Result != 0 && (ntsim_last_error() == NULL || ntsim_last_error()[0] == '\0')) {
        fprintf(stderr, "fuzz_device: '%s' refused without a message\n", Spec);
        abort();
    }
    ntsim_machine_destroy(Machine);
    free(Spec);
    return 0;
}
