/* NVIC exception state (ARMv7-M ARM B1.5, B3.4): priorities and
 * grouping, masking, pend/active bookkeeping, level-sensitive lines,
 * tail-chaining choice and fault escalation, driven through nvic.h. */
#include <check.h>
#include <glib.h>

#include "nvic.h"
#include "unit_main.h"

#define IRQ(n) (EXC_IRQ0 + (n))

static const NvicMasks NO_MASKS = { 0 };

static Nvic *nvic;
static unsigned notified;
static unsigned resets_requested;

static void count_notify(void *opaque)
{
    (void)opaque;
    notified++;
}

static void count_reset(void *opaque)
{
    (void)opaque;
    resets_requested++;
}

static void setup(void)
{
    nvic = nvic_new(32, 8);
    notified = 0;
    resets_requested = 0;
    nvic_set_change_notify(nvic, count_notify, NULL);
    nvic_set_reset_request(nvic, count_reset, NULL);
}

static void teardown(void) { nvic_free(nvic); }

/* Pend and enable an external interrupt with a priority. */
static void irq_ready(unsigned irq, uint8_t prio)
{
    nvic_set_priority(nvic, IRQ(irq), prio);
    nvic_set_enabled(nvic, IRQ(irq), true);
    nvic_set_pending(nvic, IRQ(irq));
}

/* Take an exception: what the CPU does on entry. */
static void enter(unsigned exc)
{
    nvic_set_pending(nvic, exc);
    nvic_acknowledge(nvic, exc);
}

/* ---- reset state ---------------------------------------------------------- */

START_TEST(test_reset_fixed_priorities)
{
    ck_assert_int_eq(nvic_get_priority(nvic, EXC_RESET), -3);
    ck_assert_int_eq(nvic_get_priority(nvic, EXC_NMI), -2);
    ck_assert_int_eq(nvic_get_priority(nvic, EXC_HARDFAULT), -1);
    for (unsigned exc = EXC_MEMMANAGE; exc <= nvic_max_exception(nvic); exc++)
        ck_assert_int_eq(nvic_get_priority(nvic, exc), 0);
}
END_TEST

START_TEST(test_reset_enables)
{
    ck_assert(nvic_is_enabled(nvic, EXC_NMI));
    ck_assert(nvic_is_enabled(nvic, EXC_HARDFAULT));
    ck_assert(nvic_is_enabled(nvic, EXC_SVCALL));
    ck_assert(nvic_is_enabled(nvic, EXC_PENDSV));
    ck_assert(nvic_is_enabled(nvic, EXC_SYSTICK));
    ck_assert(!nvic_is_enabled(nvic, EXC_MEMMANAGE));
    ck_assert(!nvic_is_enabled(nvic, EXC_BUSFAULT));
    ck_assert(!nvic_is_enabled(nvic, EXC_USAGEFAULT));
    ck_assert(!nvic_is_enabled(nvic, EXC_DEBUGMON));
    for (unsigned irq = 0; irq < 32; irq++)
        ck_assert(!nvic_is_enabled(nvic, IRQ(irq)));
}
END_TEST

START_TEST(test_reset_nothing_pending_or_active)
{
    ck_assert_uint_eq(nvic_highest_pending(nvic), 0);
    ck_assert_uint_eq(nvic_active_count(nvic), 0);
    ck_assert_uint_eq(nvic_vectactive(nvic), 0);
    ck_assert_uint_eq(nvic_prigroup(nvic), 0);
    ck_assert_int_eq(nvic_execution_priority(nvic, NO_MASKS), NVIC_NO_PRIORITY);
    ck_assert_uint_eq(nvic_max_exception(nvic), 47);
    ck_assert_uint_eq(nvic_num_irqs(nvic), 32);
}
END_TEST

START_TEST(test_reset_scb_registers)
{
    ScbRegs *scb = nvic_scb(nvic);
    ck_assert_uint_eq(scb->ccr, CCR_STKALIGN); /* as QEMU's v7-M cores */
    ck_assert_uint_eq(scb->vtor, 0);
    ck_assert_uint_eq(scb->scr, 0);
    ck_assert_uint_eq(scb->cfsr | scb->hfsr | scb->dfsr, 0);
    ck_assert_uint_eq(scb->mmfar | scb->bfar | scb->afsr, 0);
}
END_TEST

START_TEST(test_reset_clears_runtime_state)
{
    irq_ready(3, 0x40);
    nvic_acknowledge(nvic, IRQ(3));
    nvic_set_prigroup(nvic, 5);
    nvic_scb(nvic)->hfsr = HFSR_FORCED;
    nvic_reset(nvic);
    ck_assert(!nvic_is_active(nvic, IRQ(3)));
    ck_assert(!nvic_is_enabled(nvic, IRQ(3)));
    ck_assert_int_eq(nvic_get_priority(nvic, IRQ(3)), 0);
    ck_assert_uint_eq(nvic_prigroup(nvic), 0);
    ck_assert_uint_eq(nvic_active_count(nvic), 0);
    ck_assert_uint_eq(nvic_scb(nvic)->hfsr, 0);
}
END_TEST

/* ---- priorities and grouping ----------------------------------------------- */

START_TEST(test_priority_keeps_only_implemented_bits)
{
    Nvic *n3 = nvic_new(8, 3);
    nvic_set_priority(n3, IRQ(0), 0xff);
    nvic_set_priority(n3, EXC_SYSTICK, 0x3f);
    ck_assert_int_eq(nvic_get_priority(n3, IRQ(0)), 0xe0);
    ck_assert_int_eq(nvic_get_priority(n3, EXC_SYSTICK), 0x20);
    nvic_free(n3);
    nvic_set_priority(nvic, IRQ(0), 0xff);
    ck_assert_int_eq(nvic_get_priority(nvic, IRQ(0)), 0xff);
}
END_TEST

START_TEST(test_fixed_priorities_cannot_change)
{
    nvic_set_priority(nvic, EXC_NMI, 0x10);
    nvic_set_priority(nvic, EXC_HARDFAULT, 0x10);
    ck_assert_int_eq(nvic_get_priority(nvic, EXC_NMI), -2);
    ck_assert_int_eq(nvic_get_priority(nvic, EXC_HARDFAULT), -1);
}
END_TEST

/* B1.5.4: group priority = priority with bits [PRIGROUP:0] cleared. */
static const struct {
    unsigned prigroup;
    int group_of_b7;
    bool x20_preempts_x40; /* 0x20 pending, 0x40 active */
    bool x50_preempts_x40;
} grouping[] = {
    { 0, 0xb6, true, false },
    { 1, 0xb4, true, false },
    { 2, 0xb0, true, false },
    { 3, 0xb0, true, false },
    { 4, 0xa0, true, false },
    { 5, 0x80, true, false },
    { 6, 0x80, false, false },
    { 7, 0x00, false, false },
};

START_TEST(test_group_priority_by_prigroup)
{
    nvic_set_prigroup(nvic, grouping[_i].prigroup);
    ck_assert_uint_eq(nvic_prigroup(nvic), grouping[_i].prigroup);
    ck_assert_int_eq(nvic_group_priority(nvic, 0xb7), grouping[_i].group_of_b7);
    ck_assert_int_eq(nvic_group_priority(nvic, -1), -1);
    ck_assert_int_eq(nvic_group_priority(nvic, -2), -2);
}
END_TEST

START_TEST(test_preemption_by_prigroup)
{
    nvic_set_prigroup(nvic, grouping[_i].prigroup);
    irq_ready(0, 0x40);
    nvic_acknowledge(nvic, IRQ(0));
    irq_ready(1, 0x20);
    irq_ready(2, 0x50);
    ck_assert_uint_eq(nvic_highest_pending(nvic), IRQ(1));
    unsigned expect = grouping[_i].x20_preempts_x40 ? IRQ(1) : 0;
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), expect);
    nvic_clear_pending(nvic, IRQ(1));
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), 0); /* 0x50 never */
}
END_TEST

/* The execution priority is the active exception's group priority. */
START_TEST(test_execution_priority_by_prigroup)
{
    nvic_set_prigroup(nvic, grouping[_i].prigroup);
    irq_ready(0, 0xb7);
    nvic_acknowledge(nvic, IRQ(0));
    ck_assert_int_eq(nvic_execution_priority(nvic, NO_MASKS), grouping[_i].group_of_b7);
}
END_TEST

START_TEST(test_prigroup_wider_than_implemented_bits)
{
    Nvic *n3 = nvic_new(8, 3); /* bits [7:5] */
    for (unsigned pg = 0; pg <= 4; pg++) {
        nvic_set_prigroup(n3, pg);
        ck_assert_int_eq(nvic_group_priority(n3, 0xa0), 0xa0);
    }
    nvic_set_prigroup(n3, 5);
    ck_assert_int_eq(nvic_group_priority(n3, 0xa0), 0x80);
    nvic_free(n3);
}
END_TEST

START_TEST(test_equal_group_subpriority_decides)
{
    nvic_set_prigroup(nvic, 6); /* group bit 7, subpriority bits [6:0] */
    irq_ready(0, 0x30);
    irq_ready(1, 0x20);
    irq_ready(2, 0x20);
    ck_assert_uint_eq(nvic_highest_pending(nvic), IRQ(1));
}
END_TEST

START_TEST(test_equal_priority_lowest_number_wins)
{
    irq_ready(5, 0x40);
    irq_ready(4, 0x40);
    nvic_set_priority(nvic, EXC_PENDSV, 0x40);
    nvic_set_pending(nvic, EXC_PENDSV);
    ck_assert_uint_eq(nvic_highest_pending(nvic), EXC_PENDSV);
    nvic_clear_pending(nvic, EXC_PENDSV);
    ck_assert_uint_eq(nvic_highest_pending(nvic), IRQ(4));
}
END_TEST

START_TEST(test_disabled_interrupt_is_not_chosen)
{
    nvic_set_priority(nvic, IRQ(0), 0x00);
    nvic_set_pending(nvic, IRQ(0));
    irq_ready(1, 0x80);
    ck_assert_uint_eq(nvic_highest_pending(nvic), IRQ(1));
    ck_assert(nvic_is_pending(nvic, IRQ(0)));
    nvic_set_enabled(nvic, IRQ(0), true);
    ck_assert_uint_eq(nvic_highest_pending(nvic), IRQ(0));
}
END_TEST

START_TEST(test_nmi_beats_everything)
{
    irq_ready(0, 0x00);
    nvic_set_pending(nvic, EXC_HARDFAULT);
    nvic_set_pending(nvic, EXC_NMI);
    ck_assert_uint_eq(nvic_highest_pending(nvic), EXC_NMI);
}
END_TEST

/* ---- masking ------------------------------------------------------------------ */

START_TEST(test_primask_masks_configurable_priorities)
{
    NvicMasks m = { .primask = true };
    irq_ready(0, 0x00);
    ck_assert_int_eq(nvic_execution_priority(nvic, m), 0);
    ck_assert_uint_eq(nvic_deliverable(nvic, m), 0);
    nvic_set_pending(nvic, EXC_HARDFAULT);
    ck_assert_uint_eq(nvic_deliverable(nvic, m), EXC_HARDFAULT);
}
END_TEST

START_TEST(test_faultmask_masks_hardfault_not_nmi)
{
    NvicMasks m = { .faultmask = true };
    nvic_set_pending(nvic, EXC_HARDFAULT);
    ck_assert_int_eq(nvic_execution_priority(nvic, m), -1);
    ck_assert_uint_eq(nvic_deliverable(nvic, m), 0);
    nvic_set_pending(nvic, EXC_NMI);
    ck_assert_uint_eq(nvic_deliverable(nvic, m), EXC_NMI);
}
END_TEST

START_TEST(test_basepri_masks_equal_and_lower)
{
    NvicMasks m = { .basepri = 0x40 };
    irq_ready(0, 0x40);
    irq_ready(1, 0x80);
    ck_assert_int_eq(nvic_execution_priority(nvic, m), 0x40);
    ck_assert_uint_eq(nvic_deliverable(nvic, m), 0);
    irq_ready(2, 0x3f);
    ck_assert_uint_eq(nvic_deliverable(nvic, m), IRQ(2));
}
END_TEST

START_TEST(test_basepri_uses_its_group_priority)
{
    NvicMasks m = { .basepri = 0x50 };
    nvic_set_prigroup(nvic, 5); /* group = bits [7:6] */
    irq_ready(0, 0x40);
    ck_assert_int_eq(nvic_execution_priority(nvic, m), 0x40);
    ck_assert_uint_eq(nvic_deliverable(nvic, m), 0);
    irq_ready(1, 0x30); /* group 0 */
    ck_assert_uint_eq(nvic_deliverable(nvic, m), IRQ(1));
}
END_TEST

START_TEST(test_basepri_zero_does_not_mask)
{
    irq_ready(0, 0xff);
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), IRQ(0));
}
END_TEST

START_TEST(test_basepri_unimplemented_bits_do_not_mask)
{
    Nvic *n3 = nvic_new(8, 3);
    NvicMasks m = { .basepri = 0x10 }; /* reads as 0 with 3 bits */
    nvic_set_enabled(n3, IRQ(0), true);
    nvic_set_priority(n3, IRQ(0), 0xe0);
    nvic_set_pending(n3, IRQ(0));
    ck_assert_int_eq(nvic_execution_priority(n3, m), NVIC_NO_PRIORITY);
    ck_assert_uint_eq(nvic_deliverable(n3, m), IRQ(0));
    nvic_free(n3);
}
END_TEST

START_TEST(test_basepri_cannot_lower_active_priority)
{
    NvicMasks m = { .basepri = 0x80 };
    irq_ready(0, 0x20);
    nvic_acknowledge(nvic, IRQ(0));
    ck_assert_int_eq(nvic_execution_priority(nvic, m), 0x20);
}
END_TEST

START_TEST(test_active_exception_blocks_equal_priority)
{
    irq_ready(0, 0x40);
    nvic_acknowledge(nvic, IRQ(0));
    irq_ready(1, 0x40);
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), 0);
    irq_ready(2, 0x3f);
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), IRQ(2));
}
END_TEST

/* ---- bookkeeping ----------------------------------------------------------------- */

START_TEST(test_acknowledge_moves_pending_to_active)
{
    irq_ready(7, 0x10);
    nvic_acknowledge(nvic, IRQ(7));
    ck_assert(!nvic_is_pending(nvic, IRQ(7)));
    ck_assert(nvic_is_active(nvic, IRQ(7)));
    ck_assert_uint_eq(nvic_vectactive(nvic), IRQ(7));
    ck_assert_uint_eq(nvic_active_count(nvic), 1);
}
END_TEST

START_TEST(test_complete_deactivates)
{
    irq_ready(7, 0x10);
    nvic_acknowledge(nvic, IRQ(7));
    ck_assert(nvic_complete(nvic, IRQ(7)));
    ck_assert(!nvic_is_active(nvic, IRQ(7)));
    ck_assert_uint_eq(nvic_active_count(nvic), 0);
    ck_assert_int_eq(nvic_execution_priority(nvic, NO_MASKS), NVIC_NO_PRIORITY);
}
END_TEST

START_TEST(test_complete_of_inactive_fails_and_changes_nothing)
{
    enter(EXC_SVCALL);
    ck_assert(!nvic_complete(nvic, EXC_PENDSV));
    ck_assert(nvic_is_active(nvic, EXC_SVCALL));
    ck_assert_uint_eq(nvic_active_count(nvic), 1);
}
END_TEST

START_TEST(test_nested_active_count)
{
    enter(EXC_SVCALL);
    enter(EXC_NMI);
    ck_assert_uint_eq(nvic_active_count(nvic), 2);
    ck_assert_int_eq(nvic_execution_priority(nvic, NO_MASKS), -2);
    nvic_complete(nvic, EXC_NMI);
    nvic_set_vectactive(nvic, EXC_SVCALL);
    ck_assert_uint_eq(nvic_vectactive(nvic), EXC_SVCALL);
    ck_assert_uint_eq(nvic_active_count(nvic), 1);
    ck_assert_int_eq(nvic_execution_priority(nvic, NO_MASKS), 0);
}
END_TEST

START_TEST(test_pending_while_active)
{
    enter(EXC_PENDSV);
    nvic_set_pending(nvic, EXC_PENDSV);
    ck_assert(nvic_is_active(nvic, EXC_PENDSV));
    ck_assert(nvic_is_pending(nvic, EXC_PENDSV));
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), 0);
    nvic_complete(nvic, EXC_PENDSV);
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), EXC_PENDSV);
}
END_TEST

START_TEST(test_reserved_and_absent_exceptions_ignored)
{
    nvic_set_pending(nvic, 7);
    nvic_set_pending(nvic, 13);
    nvic_set_pending(nvic, IRQ(32));
    nvic_set_enabled(nvic, IRQ(32), true);
    nvic_set_priority(nvic, 8, 0x20);
    ck_assert(!nvic_is_pending(nvic, 7));
    ck_assert(!nvic_is_pending(nvic, IRQ(32)));
    ck_assert_int_eq(nvic_get_priority(nvic, 8), 0);
    ck_assert_uint_eq(nvic_highest_pending(nvic), 0);
}
END_TEST

START_TEST(test_always_enabled_cannot_be_disabled)
{
    nvic_set_enabled(nvic, EXC_SVCALL, false);
    nvic_set_enabled(nvic, EXC_NMI, false);
    ck_assert(nvic_is_enabled(nvic, EXC_SVCALL));
    ck_assert(nvic_is_enabled(nvic, EXC_NMI));
    nvic_set_enabled(nvic, EXC_DEBUGMON, true);
    ck_assert(nvic_is_enabled(nvic, EXC_DEBUGMON));
}
END_TEST

START_TEST(test_set_active_raw)
{
    nvic_set_active(nvic, EXC_SYSTICK, true);
    ck_assert(nvic_is_active(nvic, EXC_SYSTICK));
    ck_assert_uint_eq(nvic_active_count(nvic), 1);
    ck_assert_uint_eq(nvic_vectactive(nvic), 0);
    nvic_set_active(nvic, EXC_SYSTICK, false);
    ck_assert_uint_eq(nvic_active_count(nvic), 0);
}
END_TEST

/* ---- tail-chaining choice ------------------------------------------------------------ */

START_TEST(test_tail_chain_takes_highest_pending_next)
{
    irq_ready(0, 0x80);
    irq_ready(1, 0x20);
    irq_ready(2, 0x40);
    nvic_set_priority(nvic, EXC_PENDSV, 0xff);
    nvic_set_pending(nvic, EXC_PENDSV);
    unsigned order[] = { IRQ(1), IRQ(2), IRQ(0), EXC_PENDSV };
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
        unsigned exc = nvic_deliverable(nvic, NO_MASKS);
        ck_assert_uint_eq(exc, order[i]);
        nvic_acknowledge(nvic, exc);
        /* while it runs, nothing of lower priority gets in */
        ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), 0);
        ck_assert(nvic_complete(nvic, exc));
    }
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), 0);
}
END_TEST

START_TEST(test_tail_chain_respects_preempted_context)
{
    irq_ready(0, 0x40);
    nvic_acknowledge(nvic, IRQ(0));
    irq_ready(1, 0x20);
    nvic_acknowledge(nvic, IRQ(1)); /* nested */
    irq_ready(2, 0x60);
    nvic_complete(nvic, IRQ(1));
    /* back in IRQ0's context at 0x40: 0x60 must wait */
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), 0);
    nvic_complete(nvic, IRQ(0));
    ck_assert_uint_eq(nvic_deliverable(nvic, NO_MASKS), IRQ(2));
}
END_TEST

/* ---- lines -------------------------------------------------------------------------- */

START_TEST(test_level_line_pends_on_assert)
{
    IrqLine line = nvic_irq_line(nvic, 3);
    irq_raise(&line);
    ck_assert(nvic_is_pending(nvic, IRQ(3)));
    ck_assert(nvic_irq_level(nvic, 3));
}
END_TEST

START_TEST(test_level_line_repends_on_completion_while_asserted)
{
    IrqLine line = nvic_irq_line(nvic, 3);
    nvic_set_enabled(nvic, IRQ(3), true);
    irq_raise(&line);
    nvic_acknowledge(nvic, IRQ(3));
    ck_assert(!nvic_is_pending(nvic, IRQ(3)));
    nvic_complete(nvic, IRQ(3));
    ck_assert(nvic_is_pending(nvic, IRQ(3)));
    nvic_acknowledge(nvic, IRQ(3));
    irq_lower(&line);
    nvic_complete(nvic, IRQ(3));
    ck_assert(!nvic_is_pending(nvic, IRQ(3)));
}
END_TEST

START_TEST(test_level_line_asserted_while_active_pends)
{
    IrqLine line = nvic_irq_line(nvic, 3);
    irq_ready(3, 0);
    nvic_acknowledge(nvic, IRQ(3));
    irq_raise(&line);
    ck_assert(nvic_is_active(nvic, IRQ(3)));
    ck_assert(nvic_is_pending(nvic, IRQ(3)));
}
END_TEST

START_TEST(test_pulse_pends_once)
{
    IrqLine line = nvic_irq_line(nvic, 3);
    irq_pulse(&line);
    ck_assert(nvic_is_pending(nvic, IRQ(3)));
    ck_assert(!nvic_irq_level(nvic, 3));
    nvic_acknowledge(nvic, IRQ(3));
    nvic_complete(nvic, IRQ(3));
    ck_assert(!nvic_is_pending(nvic, IRQ(3)));
}
END_TEST

START_TEST(test_repeated_assert_is_one_edge)
{
    IrqLine line = nvic_irq_line(nvic, 3);
    irq_raise(&line);
    nvic_clear_pending(nvic, IRQ(3));
    irq_raise(&line); /* no change of level: no new edge */
    ck_assert(!nvic_is_pending(nvic, IRQ(3)));
}
END_TEST

START_TEST(test_exception_line_pends_on_rising_edge)
{
    IrqLine line = nvic_exception_line(nvic, EXC_SYSTICK);
    irq_raise(&line);
    ck_assert(nvic_is_pending(nvic, EXC_SYSTICK));
    nvic_acknowledge(nvic, EXC_SYSTICK);
    nvic_complete(nvic, EXC_SYSTICK);
    ck_assert(!nvic_is_pending(nvic, EXC_SYSTICK)); /* no re-pend while high */
    irq_lower(&line);
    irq_raise(&line);
    ck_assert(nvic_is_pending(nvic, EXC_SYSTICK));
}
END_TEST

START_TEST(test_nmi_line_pends_each_time_it_is_driven_high)
{
    /* as QEMU's NVIC: a watchdog re-driving its pending interrupt pends
     * the NMI again */
    IrqLine line = nvic_exception_line(nvic, EXC_NMI);
    irq_raise(&line);
    ck_assert(nvic_is_pending(nvic, EXC_NMI));
    nvic_acknowledge(nvic, EXC_NMI);
    nvic_complete(nvic, EXC_NMI);
    ck_assert(!nvic_is_pending(nvic, EXC_NMI)); /* no re-pend on return */
    irq_raise(&line);
    ck_assert(nvic_is_pending(nvic, EXC_NMI));
    nvic_clear_pending(nvic, EXC_NMI);
    irq_lower(&line);
    ck_assert(!nvic_is_pending(nvic, EXC_NMI));
}
END_TEST

START_TEST(test_lines_out_of_range_are_unwired)
{
    IrqLine line = nvic_irq_line(nvic, 32);
    ck_assert_ptr_null(line.handler);
    irq_raise(&line); /* harmless */
    line = nvic_exception_line(nvic, 9);
    ck_assert_ptr_null(line.handler);
    ck_assert(!nvic_irq_level(nvic, 32));
}
END_TEST

/* ---- faults ----------------------------------------------------------------------------- */

START_TEST(test_enabled_fault_is_taken_as_itself)
{
    nvic_set_enabled(nvic, EXC_BUSFAULT, true);
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_BUSFAULT, NO_MASKS), EXC_BUSFAULT);
    ck_assert(nvic_is_pending(nvic, EXC_BUSFAULT));
    ck_assert_uint_eq(nvic_scb(nvic)->hfsr, 0);
}
END_TEST

START_TEST(test_disabled_busfault_escalates_forced)
{
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_BUSFAULT, NO_MASKS), EXC_HARDFAULT);
    ck_assert(nvic_is_pending(nvic, EXC_HARDFAULT));
    ck_assert(!nvic_is_pending(nvic, EXC_BUSFAULT));
    ck_assert_uint_eq(nvic_scb(nvic)->hfsr, HFSR_FORCED);
}
END_TEST

START_TEST(test_enabled_fault_below_current_priority_escalates)
{
    nvic_set_enabled(nvic, EXC_USAGEFAULT, true);
    nvic_set_priority(nvic, EXC_USAGEFAULT, 0x80);
    irq_ready(0, 0x40);
    nvic_acknowledge(nvic, IRQ(0));
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_USAGEFAULT, NO_MASKS), EXC_HARDFAULT);
    ck_assert_uint_eq(nvic_scb(nvic)->hfsr, HFSR_FORCED);
}
END_TEST

START_TEST(test_fault_at_equal_priority_escalates)
{
    nvic_set_enabled(nvic, EXC_MEMMANAGE, true);
    nvic_set_priority(nvic, EXC_MEMMANAGE, 0x40);
    irq_ready(0, 0x40);
    nvic_acknowledge(nvic, IRQ(0));
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_MEMMANAGE, NO_MASKS), EXC_HARDFAULT);
}
END_TEST

START_TEST(test_fault_with_primask_escalates)
{
    NvicMasks m = { .primask = true };
    nvic_set_enabled(nvic, EXC_USAGEFAULT, true);
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_USAGEFAULT, m), EXC_HARDFAULT);
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_SVCALL, m), EXC_HARDFAULT);
}
END_TEST

START_TEST(test_fault_in_hardfault_is_lockup)
{
    enter(EXC_HARDFAULT);
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_BUSFAULT, NO_MASKS), 0);
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_HARDFAULT, NO_MASKS), 0);
    ck_assert(!nvic_is_pending(nvic, EXC_HARDFAULT));
}
END_TEST

START_TEST(test_fault_in_nmi_is_lockup)
{
    enter(EXC_NMI);
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_USAGEFAULT, NO_MASKS), 0);
}
END_TEST

START_TEST(test_fault_with_faultmask_is_lockup)
{
    NvicMasks m = { .faultmask = true };
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_HARDFAULT, m), 0);
}
END_TEST

START_TEST(test_direct_hardfault_not_forced)
{
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_HARDFAULT, NO_MASKS), EXC_HARDFAULT);
    ck_assert_uint_eq(nvic_scb(nvic)->hfsr, 0);
}
END_TEST

START_TEST(test_svc_from_handler_of_higher_priority_escalates)
{
    nvic_set_priority(nvic, EXC_SVCALL, 0x80);
    irq_ready(0, 0x40);
    nvic_acknowledge(nvic, IRQ(0));
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_SVCALL, NO_MASKS), EXC_HARDFAULT);
    nvic_set_priority(nvic, EXC_SVCALL, 0x00);
    ck_assert_uint_eq(nvic_route_fault(nvic, EXC_SVCALL, NO_MASKS), EXC_SVCALL);
}
END_TEST

/* ---- callbacks ---------------------------------------------------------------------------- */

START_TEST(test_notify_on_changes_that_may_deliver)
{
    nvic_set_pending(nvic, IRQ(0));
    ck_assert_uint_eq(notified, 1);
    nvic_set_pending(nvic, IRQ(0)); /* already pending */
    ck_assert_uint_eq(notified, 1);
    nvic_set_enabled(nvic, IRQ(0), true);
    ck_assert_uint_eq(notified, 2);
    nvic_set_priority(nvic, IRQ(0), 0x10);
    ck_assert_uint_eq(notified, 3);
    nvic_set_prigroup(nvic, 3);
    ck_assert_uint_eq(notified, 4);
    nvic_acknowledge(nvic, IRQ(0));
    nvic_complete(nvic, IRQ(0));
    ck_assert_uint_eq(notified, 5);
}
END_TEST

/* ---- WFE events (B1.5.18) ------------------------------------------------------------------ */

START_TEST(test_no_event_without_sevonpend)
{
    nvic_set_pending(nvic, IRQ(3));
    ck_assert(!nvic_take_event(nvic));
}
END_TEST

START_TEST(test_sevonpend_pending_disabled_interrupt_is_an_event)
{
    nvic_scb(nvic)->scr |= SCR_SEVONPEND;
    nvic_set_pending(nvic, IRQ(3)); /* disabled: still an event */
    ck_assert(nvic_take_event(nvic));
    ck_assert(!nvic_take_event(nvic)); /* taken once */
    nvic_set_pending(nvic, IRQ(3)); /* already pending: no new event */
    ck_assert(!nvic_take_event(nvic));
}
END_TEST

START_TEST(test_sevonpend_system_exception_and_line_are_events)
{
    nvic_scb(nvic)->scr |= SCR_SEVONPEND;
    nvic_set_pending(nvic, EXC_PENDSV);
    ck_assert(nvic_take_event(nvic));
    IrqLine line = nvic_irq_line(nvic, 5);
    irq_set(&line, true);
    ck_assert(nvic_take_event(nvic));
}
END_TEST

START_TEST(test_event_latched_until_taken_and_cleared_by_reset)
{
    nvic_scb(nvic)->scr |= SCR_SEVONPEND;
    nvic_set_pending(nvic, IRQ(1));
    nvic_scb(nvic)->scr &= ~SCR_SEVONPEND; /* the event already happened */
    nvic_set_pending(nvic, IRQ(2));
    ck_assert(nvic_take_event(nvic));
    nvic_scb(nvic)->scr |= SCR_SEVONPEND;
    nvic_set_pending(nvic, IRQ(4));
    nvic_reset(nvic);
    ck_assert(!nvic_take_event(nvic));
}
END_TEST

START_TEST(test_reset_request_callback)
{
    nvic_request_reset(nvic);
    ck_assert_uint_eq(resets_requested, 1);
}
END_TEST

static Suite *nvic_suite(void)
{
    Suite *s = suite_create("nvic");
    TCase *tc;

    tc = tcase_create("reset");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_fixed_priorities);
    tcase_add_test(tc, test_reset_enables);
    tcase_add_test(tc, test_reset_nothing_pending_or_active);
    tcase_add_test(tc, test_reset_scb_registers);
    tcase_add_test(tc, test_reset_clears_runtime_state);
    suite_add_tcase(s, tc);

    tc = tcase_create("priority");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_priority_keeps_only_implemented_bits);
    tcase_add_test(tc, test_fixed_priorities_cannot_change);
    tcase_add_loop_test(tc, test_group_priority_by_prigroup, 0, G_N_ELEMENTS(grouping));
    tcase_add_loop_test(tc, test_preemption_by_prigroup, 0, G_N_ELEMENTS(grouping));
    tcase_add_loop_test(tc, test_execution_priority_by_prigroup, 0, G_N_ELEMENTS(grouping));
    tcase_add_test(tc, test_prigroup_wider_than_implemented_bits);
    tcase_add_test(tc, test_equal_group_subpriority_decides);
    tcase_add_test(tc, test_equal_priority_lowest_number_wins);
    tcase_add_test(tc, test_disabled_interrupt_is_not_chosen);
    tcase_add_test(tc, test_nmi_beats_everything);
    suite_add_tcase(s, tc);

    tc = tcase_create("masking");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_primask_masks_configurable_priorities);
    tcase_add_test(tc, test_faultmask_masks_hardfault_not_nmi);
    tcase_add_test(tc, test_basepri_masks_equal_and_lower);
    tcase_add_test(tc, test_basepri_uses_its_group_priority);
    tcase_add_test(tc, test_basepri_zero_does_not_mask);
    tcase_add_test(tc, test_basepri_unimplemented_bits_do_not_mask);
    tcase_add_test(tc, test_basepri_cannot_lower_active_priority);
    tcase_add_test(tc, test_active_exception_blocks_equal_priority);
    suite_add_tcase(s, tc);

    tc = tcase_create("bookkeeping");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_acknowledge_moves_pending_to_active);
    tcase_add_test(tc, test_complete_deactivates);
    tcase_add_test(tc, test_complete_of_inactive_fails_and_changes_nothing);
    tcase_add_test(tc, test_nested_active_count);
    tcase_add_test(tc, test_pending_while_active);
    tcase_add_test(tc, test_reserved_and_absent_exceptions_ignored);
    tcase_add_test(tc, test_always_enabled_cannot_be_disabled);
    tcase_add_test(tc, test_set_active_raw);
    suite_add_tcase(s, tc);

    tc = tcase_create("tail-chain");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_tail_chain_takes_highest_pending_next);
    tcase_add_test(tc, test_tail_chain_respects_preempted_context);
    suite_add_tcase(s, tc);

    tc = tcase_create("lines");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_level_line_pends_on_assert);
    tcase_add_test(tc, test_level_line_repends_on_completion_while_asserted);
    tcase_add_test(tc, test_level_line_asserted_while_active_pends);
    tcase_add_test(tc, test_pulse_pends_once);
    tcase_add_test(tc, test_repeated_assert_is_one_edge);
    tcase_add_test(tc, test_exception_line_pends_on_rising_edge);
    tcase_add_test(tc, test_nmi_line_pends_each_time_it_is_driven_high);
    tcase_add_test(tc, test_lines_out_of_range_are_unwired);
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_enabled_fault_is_taken_as_itself);
    tcase_add_test(tc, test_disabled_busfault_escalates_forced);
    tcase_add_test(tc, test_enabled_fault_below_current_priority_escalates);
    tcase_add_test(tc, test_fault_at_equal_priority_escalates);
    tcase_add_test(tc, test_fault_with_primask_escalates);
    tcase_add_test(tc, test_fault_in_hardfault_is_lockup);
    tcase_add_test(tc, test_fault_in_nmi_is_lockup);
    tcase_add_test(tc, test_fault_with_faultmask_is_lockup);
    tcase_add_test(tc, test_direct_hardfault_not_forced);
    tcase_add_test(tc, test_svc_from_handler_of_higher_priority_escalates);
    suite_add_tcase(s, tc);

    tc = tcase_create("wfe events");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_no_event_without_sevonpend);
    tcase_add_test(tc, test_sevonpend_pending_disabled_interrupt_is_an_event);
    tcase_add_test(tc, test_sevonpend_system_exception_and_line_are_events);
    tcase_add_test(tc, test_event_latched_until_taken_and_cleared_by_reset);
    suite_add_tcase(s, tc);

    tc = tcase_create("callbacks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_notify_on_changes_that_may_deliver);
    tcase_add_test(tc, test_reset_request_callback);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(nvic_suite());
}
