/* fuzz_reg.c - libFuzzer target: `.reg` text import, and the round trip of what it accepted.
 *
 * Oracle: the simulator never crashes (ASan/UBSan), and a file it accepts exports to a text
 * that imports again into a fresh machine and exports to the same text (nothing lost). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ntsim/ntsim.h>

static const char *const NoDevices[] = { NULL };

static ntsim_machine *FuzzMachine(void)
{
    ntsim_machine_config Config = { .verifier = 1, .quiet = 1, .devices = NoDevices };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL) {
        fprintf(stderr, "fuzz_reg: cannot create a machine: %s\n", ntsim_last_error());
        abort();
    }
    return Machine;
}

/* Everything an import can write lands under these two roots. */
static char *ExportRoots(ntsim_machine *Machine)
{
    char *Machines = ntsim_reg_export_text(Machine, "\\Registry\\Machine");
    char *Users = ntsim_reg_export_text(Machine, "\\Registry\\User");
    if (Machines == NULL || Users == NULL) {
        fprintf(stderr, "fuzz_reg: export failed: %s\n", ntsim_last_error());
        abort();
    }
    /* One text: the second export without its own header line. */
    const char *UserKeys = strchr(Users, '[');
    UserKeys = UserKeys ? UserKeys : "";
    size_t Length = strlen(Machines), UserLength = strlen(UserKeys);
    char *Both = realloc(Machines, Length + UserLength + 1);
    if (Both == NULL)
        abort();
    memcpy(Both + Length, UserKeys, UserLength + 1);
    free(Users);
    return Both;
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    ntsim_machine *Machine = FuzzMachine();
    int Result = ntsim_reg_import_text(Machine, "fuzz.reg", (const char *)Data, Size);
    char *First = Result == 0 ? ExportRoots(Machine) : NULL;
    ntsim_machine_destroy(Machine);
    if (First == NULL)
        return 0;

    Machine = FuzzMachine();
    if (ntsim_reg_import_text(Machine, "export.reg", First, strlen(First)) != 0) {
        fprintf(stderr, "fuzz_reg: an export does not import again: %s\n", ntsim_last_error());
        abort();
    }
    char *Second = ExportRoots(Machine);
    ntsim_machine_destroy(Machine);
    if (Second == NULL || strcmp(First, Second) != 0) {
        fprintf(stderr, "fuzz_reg: export -> import -> export changed the tree\n--- first\n%s\n--- second\n%s\n",
                First, Second ? Second : "(none)");
        abort();
    }
    free(First);
    free(Second);
    return 0;
}
