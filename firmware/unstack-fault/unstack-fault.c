/* A bus error while unstacking on exception return (B1.5.8
 * ExceptionReturn: DeActivate, then PopStack; B3.2.15 BFSR.UNSTKERR). The
 * thread runs on the process stack and makes an SVC; the SVC handler
 * points PSP at unmapped memory (0x60000100) and returns. The frame cannot
 * be read: the SVC is no longer active, and the derived BusFault (with
 * BusFault disabled, a forced HardFault) is taken at once, tail-chained:
 * nothing is stacked, PSP still points at the unreadable frame, LR is the
 * EXC_RETURN of the failed return (0xFFFFFFFD), CFSR has UNSTKERR and no
 * BFARVALID. The fault handler points PSP back at the SVC's frame and
 * returns with that LR: the thread resumes after its SVC. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define BAD_PSP 0x60000100u
#define SCB_CFSR_UNSTKERR (1u << 11)
#define SCB_SHCSR_SVCALLACT (1u << 7)

static uint64_t psp_stack[128];
#define PSP_TOP ((uint32_t)&psp_stack[128])

typedef struct {
    int exception;
    uint32_t cfsr, hfsr, lr, psp, shcsr;
} Fault;

static volatile Fault fault;
static volatile int faults;
static volatile uint32_t svc_frame; /* where the SVC's frame really is */

/* SVC: remember the frame, then return through an unreadable one */
__attribute__((used)) void svc_c(uint32_t psp)
{
    svc_frame = psp;
    __set_PSP(BAD_PSP);
}
__attribute__((naked)) void SVC_Handler(void)
{
    __asm__ volatile("push {r4, lr}\n\t"
                     "mrs r0, psp\n\t"
                     "bl svc_c\n\t"
                     "pop {r4, pc}");
}

/* The derived fault: record, repair PSP, retry the return */
__attribute__((used)) void fault_c(uint32_t exc_return)
{
    faults++;
    fault.exception = (int)__get_IPSR();
    fault.cfsr = SCB->CFSR;
    fault.hfsr = SCB->HFSR;
    fault.lr = exc_return;
    fault.psp = __get_PSP();
    fault.shcsr = SCB->SHCSR;
    SCB->CFSR = fault.cfsr;
    SCB->HFSR = fault.hfsr;
    __set_PSP(svc_frame);
}
__attribute__((naked)) void BusFault_Handler(void)
{
    __asm__ volatile("push {r4, lr}\n\t"
                     "mov r0, lr\n\t"
                     "bl fault_c\n\t"
                     "pop {r4, pc}");
}
__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile("push {r4, lr}\n\t"
                     "mov r0, lr\n\t"
                     "bl fault_c\n\t"
                     "pop {r4, pc}");
}

/* Thread code on PSP: an SVC whose return faults, then checks that the
 * registers the frame holds came back. */
static uint32_t svc_on_psp(uint32_t a)
{
    register uint32_t r0 __asm__("r0") = a;
    register uint32_t r12 __asm__("r12") = a ^ 0xFFFF;
    __asm__ volatile("svc #0" : "+r"(r0), "+r"(r12) : : "memory");
    return r0 == a && r12 == (a ^ 0xFFFF);
}

static void run_case(const char *what, int exception, uint32_t hfsr)
{
    int before = faults;
    uint32_t ok = svc_on_psp(0x1234);
    int n = faults - before;
    con_printf("%s: %d fault(s), exception %d, CFSR=%x, HFSR=%x, LR=%x, PSP %s, SVC %s, "
               "r0/r12 %s\n",
               what, n, fault.exception, fault.cfsr, fault.hfsr, fault.lr,
               fault.psp == BAD_PSP ? "unmoved" : "MOVED",
               (fault.shcsr & SCB_SHCSR_SVCALLACT) ? "ACTIVE" : "inactive",
               ok ? "restored" : "WRONG");
    CHECK(n == 1 && fault.exception == exception && fault.cfsr == SCB_CFSR_UNSTKERR &&
          fault.hfsr == hfsr && fault.lr == EXC_RETURN_THREAD_PSP && fault.psp == BAD_PSP &&
          !(fault.shcsr & SCB_SHCSR_SVCALLACT) && ok);
}

int main(void)
{
    __set_PSP(PSP_TOP);
    __set_CONTROL(CONTROL_SPSEL);
    __ISB();

    SCB->SHCSR |= SCB_SHCSR_BUSFAULTENA;
    run_case("1. BusFault enabled", EXC_BUSFAULT, 0);
    SCB->SHCSR &= ~SCB_SHCSR_BUSFAULTENA;
    run_case("2. BusFault disabled", EXC_HARDFAULT, SCB_HFSR_FORCED);

    __set_CONTROL(0);
    __ISB();
    return check_finish("unstack-fault");
}
