/* fuzz_image.c - libFuzzer target: driver image files (ELF), as the loader reads them.
 *
 * The input is written to a file and given to what reads an image before it is mapped:
 * the header check (ntsim_image_check, sim/io/imagecheck.c), the import reader
 * (ntsim_image_imports, sim/io/imports.c) and the loader (ntsim_driver_load,
 * sim/io/loader.c), which runs both before dlopen.
 * Oracle (besides ASan/UBSan): nothing crashes; every refusal comes with a message; the
 * loader refuses, with the same code, every image the header check refuses, and
 * refuses (NTSIM_E_LOAD) an image whose imports cannot be read or are blocked.
 * An image both checks accept is not loaded here: mapping it runs the host's dynamic
 * loader on corrupt relocations and DriverEntry on mutated code, which is what the
 * CLI's trial mapping in a child process (sim/cli/main.c) and the verifier are for. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ntsim/imports.h>
#include <ntsim/ntsim.h>

static char ImagePath[64];
static ntsim_machine *Machine;

static void Fail(const char *What)
{
    fprintf(stderr, "fuzz_image: %s (last error: %s)\n", What, ntsim_last_error() ? ntsim_last_error() : "none");
    abort();
}

static void ExpectMessage(const char *After)
{
    const char *Error = ntsim_last_error();
    if (Error == NULL || Error[0] == '\0') {
        fprintf(stderr, "fuzz_image: %s refused without a message\n", After);
        abort();
    }
}

static void RemoveImage(void)
{
    unlink(ImagePath);
}

static void Setup(void)
{
    if (Machine)
        return;
    snprintf(ImagePath, sizeof(ImagePath), "/tmp/ntsim-fuzz-image-%ld.sys", (long)getpid());
    atexit(RemoveImage);
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    Machine = ntsim_machine_create(&Config);
    if (Machine == NULL)
        Fail("no machine");
}

static void WriteImage(const uint8_t *Data, size_t Size)
{
    int Fd = open(ImagePath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (Fd < 0 || (Size && write(Fd, Data, Size) != (ssize_t)Size) || close(Fd) != 0)
        Fail("cannot write the image file");
}

/* 1 when the imports can be read and none blocks the load. */
static int ImportsAllowLoad(void)
{
    ntsim_import *Imports = NULL;
    size_t Count = 0;
    if (ntsim_image_imports(ImagePath, &Imports, &Count) != 0) {
        ExpectMessage("ntsim_image_imports");
        return 0;
    }
    int Allowed = 1;
    for (size_t i = 0; i < Count; i++) {
        if (Imports[i].name == NULL || Imports[i].note == NULL)
            Fail("an import without a name or a note");
        if (ntsim_import_blocks_load(Imports[i].status))
            Allowed = 0;
    }
    ntsim_imports_free(Imports, Count);
    return Allowed;
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    if (Size > 256 * 1024)
        return 0;
    Setup();
    WriteImage(Data, Size);
    int Checked = ntsim_image_check(ImagePath);
    if (Checked != 0)
        ExpectMessage("ntsim_image_check");
    int Importable = ImportsAllowLoad();
    if (Checked == 0 && Importable)
        return 0; /* a mapping would follow: not in this process (see above) */
    ntsim_driver *Driver = NULL;
    int32_t Status = 0;
    int Loaded = ntsim_driver_load(Machine, ImagePath, "fuzzimage", &Driver, &Status);
    if (Loaded == 0 || Driver != NULL)
        Fail("the loader accepted an image its checks refuse");
    ExpectMessage("ntsim_driver_load");
    if (Checked != 0 && Loaded != Checked)
        Fail("the loader and the header check disagree");
    if (Checked == 0 && Loaded != NTSIM_E_LOAD)
        Fail("an image with unreadable or blocked imports is not a load error");
    return 0;
}
