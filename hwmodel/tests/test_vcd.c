/* Tests for hwmodel/vcd.c: header, value formats, scheduling, clamping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "hwmodel/vcd.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void test_header_and_changes(void **state)
{
    (void)state;
    char path[] = "/tmp/hwmodel_vcd_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hw_vcd *v = hw_vcd_open(path);
    assert_non_null(v);
    int clk = hw_vcd_add_signal(v, "top.clk", 1);
    int reg = hw_vcd_add_signal_init(v, "uart0.LSR", 8, 0x60);
    int wide = hw_vcd_add_signal(v, "count", 16);
    assert_int_equal(clk, 0);
    assert_int_equal(reg, 1);
    assert_int_equal(wide, 2);
    assert_int_equal(hw_vcd_add_signal(v, "bad", 0), -EINVAL);
    assert_int_equal(hw_vcd_add_signal(v, "bad name", 1), -EINVAL);
    hw_vcd_change(v, clk, 0, 0);
    assert_int_equal(hw_vcd_add_signal(v, "late", 1), -EBUSY);
    hw_vcd_change(v, clk, 10, 1);
    hw_vcd_change(v, reg, 10, 0x61);
    hw_vcd_change(v, reg, 12, 0x61);             /* unchanged: skipped */
    hw_vcd_schedule(v, wide, 30, 5);             /* future */
    hw_vcd_schedule(v, wide, 25, 4);
    hw_vcd_change(v, clk, 20, 0);                /* before the scheduled ones */
    hw_vcd_change(v, clk, 27, 1);                /* flushes 25 first */
    hw_vcd_change(v, clk, 26, 0);                /* backwards: clamped to 27 */
    hw_vcd_pulse(v, wide, 40);                   /* 1 at 40, 0 at 41 */
    assert_int_equal(hw_vcd_close(v), 0);
    char *s = slurp(path);
    unlink(path);
    assert_non_null(strstr(s, "$timescale 1ns $end"));
    assert_non_null(strstr(s, "$scope module hw $end"));
    assert_non_null(strstr(s, "$scope module top $end\n$var wire 1 ! clk $end\n$upscope $end"));
    assert_non_null(strstr(s, "$scope module uart0 $end\n$var wire 8 \" LSR [7:0] $end\n$upscope $end"));
    assert_non_null(strstr(s, "$var wire 16 # count [15:0] $end"));
    assert_non_null(strstr(s, "$enddefinitions $end\n#0\n$dumpvars\nx!\nb1100000 \"\nbx #\n$end\n0!\n"));
    assert_non_null(strstr(s, "#10\n1!\nb1100001 \"\n#20\n0!\n#25\nb100 #\n#27\n1!\n0!\n#30\nb101 #\n#40\nb1 #\n#41\nb0 #\n"));
    assert_null(strstr(s, "#12"));
    assert_null(strstr(s, "#26"));
}

/* Late signals: declared after changes were written, still in the header (which is
 * written at close), with their initial value at #0; the changes follow in order. */
static void test_late_signals(void **state)
{
    (void)state;
    char path[] = "/tmp/hwmodel_vcd_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hw_vcd *v = hw_vcd_open(path);
    assert_non_null(v);
    assert_int_equal(hw_vcd_allow_late_signals(v), 0);
    int a = hw_vcd_add_signal_init(v, "cpu0.ISR", 1, 0);
    hw_vcd_change(v, a, 5, 1);
    int b = hw_vcd_add_signal_init(v, "dev.n", 4, 0);
    assert_int_equal(b, 1);
    hw_vcd_change(v, b, 7, 3);
    hw_vcd_change(v, a, 9, 0);
    assert_int_equal(hw_vcd_signal_count(v), 2);
    hw_vcd_signal_desc d;
    assert_int_equal(hw_vcd_signal_info(v, 1, &d), 0);
    assert_string_equal(d.scope, "dev");
    assert_string_equal(d.leaf, "n");
    assert_int_equal(d.width, 4);
    assert_int_equal(hw_vcd_signal_info(v, 2, &d), -EINVAL);
    assert_int_equal(hw_vcd_close(v), 0);
    char *s = slurp(path);
    unlink(path);
    assert_non_null(strstr(s, "$scope module dev $end\n$var wire 4 \" n [3:0] $end\n$upscope $end"));
    assert_non_null(strstr(s, "$dumpvars\n0!\nb0 \"\n$end\n#5\n1!\n#7\nb11 \"\n#9\n0!\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_changes),
        cmocka_unit_test(test_late_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
