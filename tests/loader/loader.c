/* loader.c - the loader's import check and `ntsim imports`: an image may bind only
 * to libntsim and to host routines right under the Windows data model. */
#include "ntsim_test.h"
#include <ntsim/imports.h>
#include <unistd.h>

/* The import check reads ELF images; on macOS (Mach-O) it is skipped, dyld reports instead. */
#if defined(__APPLE__)
#define SKIP_WITHOUT_ELF() skip()
#else
#define SKIP_WITHOUT_ELF() ((void)0)
#endif

static int LoadImage(const char *Name, int32_t *Status)
{
    ntsim_machine *Machine = TestMachine();
    ntsim_driver *Driver = NULL;
    int Rc = ntsim_driver_load(Machine, TestDriverPath(Name), NULL, &Driver, Status);
    if (Rc == 0 && Driver)
        ntsim_driver_unload(Driver);
    return Rc;
}

static const ntsim_import *FindImport(const ntsim_import *Imports, size_t Count, const char *Name)
{
    for (size_t i = 0; i < Count; i++)
        if (strcmp(Imports[i].name, Name) == 0)
            return &Imports[i];
    return NULL;
}

static void host_wcslen_is_refused(void **State)
{
    (void)State;
    SKIP_WITHOUT_ELF();
    int32_t Status = 0;
    assert_int_equal(LoadImage("ldr_host_wcslen.sys", &Status), NTSIM_E_LOAD);
    const char *Error = ntsim_last_error();
    assert_non_null(strstr(Error, "refused: 1 import "));
    assert_non_null(strstr(Error, "wcslen: refused"));
    assert_non_null(strstr(Error, "32-bit wchar_t"));
    ntsim_machine_destroy(ntsim_current_machine());
}

static void host_exit_is_refused(void **State)
{
    (void)State;
    SKIP_WITHOUT_ELF();
    int32_t Status = 0;
    assert_int_equal(LoadImage("ldr_host_exit.sys", &Status), NTSIM_E_LOAD);
    assert_non_null(strstr(ntsim_last_error(), "exit: refused (ends or signals the host process"));
    ntsim_machine_destroy(ntsim_current_machine());
}

static void every_missing_import_is_named_at_once(void **State)
{
    (void)State;
    SKIP_WITHOUT_ELF();
    int32_t Status = 0;
    assert_int_equal(LoadImage("ldr_missing.sys", &Status), NTSIM_E_LOAD);
    const char *Error = ntsim_last_error();
    const char *Routines = strstr(Error, "routines:");
    const char *Data = strstr(Error, "data:");
    assert_non_null(strstr(Error, "refused: 4 imports "));
    assert_non_null(Routines);
    assert_non_null(Data);
    assert_true(Routines < Data);
    const char *One = strstr(Error, "LdrTestMissingRoutineOne: missing");
    const char *Two = strstr(Error, "LdrTestMissingRoutineTwo: missing");
    const char *Three = strstr(Error, "LdrTestMissingRoutineThree: missing");
    const char *Datum = strstr(Error, "LdrTestMissingData: missing");
    assert_true(One && Two && Three && Datum);
    assert_true(One < Data && Two < Data && Three < Data && Datum > Data);
    ntsim_machine_destroy(ntsim_current_machine());
}

static void clean_image_loads_and_gets_windows_answers(void **State)
{
    (void)State;
    int32_t Status = -1;
    assert_int_equal(LoadImage("ldr_clean.sys", &Status), 0);
    assert_int_equal(Status, 0); /* DriverEntry's own checks of the CRT results passed */
    ntsim_machine_destroy(ntsim_current_machine());
}

static void imports_classifies_each_symbol(void **State)
{
    (void)State;
    SKIP_WITHOUT_ELF();
    ntsim_import *Imports;
    size_t Count;
    assert_int_equal(ntsim_image_imports(TestDriverPath("ldr_clean.sys"), &Imports, &Count), 0);
    const ntsim_import *Wcslen = FindImport(Imports, Count, "NtsimCrt_wcslen");
    assert_non_null(Wcslen);
    assert_int_equal(Wcslen->status, NTSIM_IMPORT_IMPLEMENTED);
    assert_int_equal(Wcslen->is_data, 0);
    assert_null(FindImport(Imports, Count, "wcslen"));
    for (size_t i = 0; i < Count; i++)
        assert_false(ntsim_import_blocks_load(Imports[i].status));
    ntsim_imports_free(Imports, Count);

    assert_int_equal(ntsim_image_imports(TestDriverPath("ldr_missing.sys"), &Imports, &Count), 0);
    const ntsim_import *Datum = FindImport(Imports, Count, "LdrTestMissingData");
    assert_non_null(Datum);
    assert_int_equal(Datum->is_data, 1);
    assert_int_equal(Datum->status, NTSIM_IMPORT_MISSING);
    assert_int_equal(FindImport(Imports, Count, "LdrTestMissingRoutineOne")->is_data, 0);
    ntsim_imports_free(Imports, Count);

    /* the serial sample: partial routines come from docs/ddi-partial.txt */
    assert_int_equal(ntsim_image_imports(TestDriverPath("serial.sys"), &Imports, &Count), 0);
    const ntsim_import *Connect = FindImport(Imports, Count, "IoConnectInterrupt");
    assert_non_null(Connect);
    assert_int_equal(Connect->status, NTSIM_IMPORT_PARTIAL);
    assert_true(strlen(Connect->note) > 0);
    ntsim_imports_free(Imports, Count);
}

static void a_file_that_is_no_image_gets_a_message(void **State)
{
    (void)State;
    SKIP_WITHOUT_ELF();
    ntsim_import *Imports;
    size_t Count;
    char Path[] = "/tmp/ntsim-loader-XXXXXX";
    int Fd = mkstemp(Path);
    assert_true(Fd >= 0);
    assert_int_equal(write(Fd, "\x7f" "ELF truncated", 13), 13);
    close(Fd);
    assert_int_equal(ntsim_image_imports(Path, &Imports, &Count), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "not an ELF image"));
    assert_int_equal(ntsim_image_imports("/nonexistent/x.sys", &Imports, &Count), NTSIM_E_IO);
    unlink(Path);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(host_wcslen_is_refused),
        cmocka_unit_test(host_exit_is_refused),
        cmocka_unit_test(every_missing_import_is_named_at_once),
        cmocka_unit_test(clean_image_loads_and_gets_windows_answers),
        cmocka_unit_test(imports_classifies_each_symbol),
        cmocka_unit_test(a_file_that_is_no_image_gets_a_message),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
