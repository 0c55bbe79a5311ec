/* ARMv7-M system control space (NVIC, SCB, SysTick, DWT) with CMSIS-like
 * names, and the special-register intrinsics the test firmware uses.
 * Register layout: ARMv7-M Architecture Reference Manual, B3.2-B3.4, C1.8. */
#ifndef FW_ARMV7M_H
#define FW_ARMV7M_H

#include <stdint.h>

#define __IO volatile

/* Priority bits implemented by both boards' Cortex-M3 (CMSIS __NVIC_PRIO_BITS).
 * Emulators may implement more; using only the top 3 bits works on all. */
#define NVIC_PRIO_BITS 3

typedef struct {
    __IO uint32_t ISER[8];
    uint32_t RESERVED0[24];
    __IO uint32_t ICER[8];
    uint32_t RESERVED1[24];
    __IO uint32_t ISPR[8];
    uint32_t RESERVED2[24];
    __IO uint32_t ICPR[8];
    uint32_t RESERVED3[24];
    __IO uint32_t IABR[8];
    uint32_t RESERVED4[56];
    __IO uint8_t IP[240];
    uint32_t RESERVED5[644];
    __IO uint32_t STIR;
} NVIC_Type;

typedef struct {
    __IO uint32_t CPUID;
    __IO uint32_t ICSR;
    __IO uint32_t VTOR;
    __IO uint32_t AIRCR;
    __IO uint32_t SCR;
    __IO uint32_t CCR;
    __IO uint8_t SHP[12]; /* priorities of exceptions 4..15 */
    __IO uint32_t SHCSR;
    __IO uint32_t CFSR;
    __IO uint32_t HFSR;
    __IO uint32_t DFSR;
    __IO uint32_t MMFAR;
    __IO uint32_t BFAR;
    __IO uint32_t AFSR;
} SCB_Type;

typedef struct {
    __IO uint32_t CTRL;
    __IO uint32_t LOAD;
    __IO uint32_t VAL;
    __IO uint32_t CALIB;
} SysTick_Type;

typedef struct {
    __IO uint32_t CTRL;
    __IO uint32_t CYCCNT;
} DWT_Type;

/* B3.5 MPU (PMSAv7): RBAR/RASR and their three aliases */
typedef struct {
    __IO uint32_t TYPE;
    __IO uint32_t CTRL;
    __IO uint32_t RNR;
    __IO uint32_t RBAR;
    __IO uint32_t RASR;
    __IO uint32_t RBAR_A1;
    __IO uint32_t RASR_A1;
    __IO uint32_t RBAR_A2;
    __IO uint32_t RASR_A2;
    __IO uint32_t RBAR_A3;
    __IO uint32_t RASR_A3;
} MPU_Type;

#define SCS_BASE 0xE000E000u
#define SysTick ((SysTick_Type *)(SCS_BASE + 0x010))
#define NVIC ((NVIC_Type *)(SCS_BASE + 0x100))
#define SCB ((SCB_Type *)(SCS_BASE + 0xD00))
#define MPU ((MPU_Type *)(SCS_BASE + 0xD90))
#define DWT ((DWT_Type *)0xE0001000u)
#define CoreDebug_DEMCR (*(__IO uint32_t *)0xE000EDFCu)

/* Exception numbers (IPSR values) and CMSIS IRQn of the system exceptions. */
#define EXC_NMI 2
#define EXC_HARDFAULT 3
#define EXC_MEMMANAGE 4
#define EXC_BUSFAULT 5
#define EXC_USAGEFAULT 6
#define EXC_SVCALL 11
#define EXC_DEBUGMON 12
#define EXC_PENDSV 14
#define EXC_SYSTICK 15
#define EXC_IRQ(n) (16 + (n))

#define MemoryManagement_IRQn (-12)
#define BusFault_IRQn (-11)
#define UsageFault_IRQn (-10)
#define SVCall_IRQn (-5)
#define DebugMonitor_IRQn (-4)
#define PendSV_IRQn (-2)
#define SysTick_IRQn (-1)

#define SCB_ICSR_NMIPENDSET (1u << 31)
#define SCB_ICSR_PENDSVSET (1u << 28)
#define SCB_ICSR_PENDSVCLR (1u << 27)
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_ICSR_PENDSTCLR (1u << 25)
#define SCB_ICSR_VECTACTIVE_Msk 0x1FFu

#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)

#define SCB_SCR_SLEEPONEXIT (1u << 1)

#define SCB_CCR_STKALIGN (1u << 9)
#define SCB_CCR_DIV_0_TRP (1u << 4)
#define SCB_CCR_UNALIGN_TRP (1u << 3)

#define SCB_SHCSR_USGFAULTENA (1u << 18)
#define SCB_SHCSR_BUSFAULTENA (1u << 17)
#define SCB_SHCSR_MEMFAULTENA (1u << 16)

#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_HFNMIENA (1u << 1)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
#define MPU_RBAR_VALID (1u << 4)
#define MPU_RASR_ENABLE (1u << 0)
/* a region of 2^log2 bytes */
#define MPU_RASR_SIZE(log2) ((uint32_t)((log2) - 1) << 1)
/* subregion i disabled: bit i */
#define MPU_RASR_SRD(mask) ((uint32_t)(mask) << 8)
#define MPU_RASR_AP(ap) ((uint32_t)(ap) << 24)
#define MPU_RASR_XN (1u << 28)
/* B3.5.9 access permissions (privileged / unprivileged) */
#define MPU_AP_NONE 0          /* none / none */
#define MPU_AP_PRIV_RW 1       /* RW / none */
#define MPU_AP_PRIV_RW_USER_RO 2 /* RW / RO */
#define MPU_AP_FULL 3          /* RW / RW */
#define MPU_AP_PRIV_RO 5       /* RO / none */
#define MPU_AP_RO 6            /* RO / RO */

/* CFSR = UFSR:BFSR:MMFSR */
#define SCB_CFSR_IACCVIOL (1u << 0)
#define SCB_CFSR_DACCVIOL (1u << 1)
#define SCB_CFSR_MMARVALID (1u << 7)
#define SCB_CFSR_IBUSERR (1u << 8)
#define SCB_CFSR_PRECISERR (1u << 9)
#define SCB_CFSR_IMPRECISERR (1u << 10)
#define SCB_CFSR_BFARVALID (1u << 15)
#define SCB_CFSR_UNDEFINSTR (1u << 16)
#define SCB_CFSR_INVSTATE (1u << 17)
#define SCB_CFSR_INVPC (1u << 18)
#define SCB_CFSR_NOCP (1u << 19)
#define SCB_CFSR_UNALIGNED (1u << 24)
#define SCB_CFSR_DIVBYZERO (1u << 25)

#define SCB_HFSR_DEBUGEVT (1u << 31)
#define SCB_HFSR_FORCED (1u << 30)
#define SCB_HFSR_VECTTBL (1u << 1)

#define SysTick_CTRL_COUNTFLAG (1u << 16)
#define SysTick_CTRL_CLKSOURCE (1u << 2) /* 1 = CPU clock, 0 = reference clock */
#define SysTick_CTRL_TICKINT (1u << 1)
#define SysTick_CTRL_ENABLE (1u << 0)
#define SysTick_CALIB_NOREF (1u << 31)

#define DWT_CTRL_NOCYCCNT (1u << 25)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define CoreDebug_DEMCR_TRCENA (1u << 24)

/* EXC_RETURN values (B1.5.8) */
#define EXC_RETURN_HANDLER 0xFFFFFFF1u
#define EXC_RETURN_THREAD_MSP 0xFFFFFFF9u
#define EXC_RETURN_THREAD_PSP 0xFFFFFFFDu

/* xPSR bit 9 in a stacked frame: the frame was padded to 8 bytes. */
#define XPSR_STACK_ALIGN (1u << 9)

#define CONTROL_nPRIV (1u << 0)
#define CONTROL_SPSEL (1u << 1)

/* Stacked exception frame (B1.5.6). */
typedef struct {
    uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
} ExcFrame;

static inline void __enable_irq(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void __disable_irq(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void __enable_fault_irq(void) { __asm__ volatile("cpsie f" ::: "memory"); }
static inline void __disable_fault_irq(void) { __asm__ volatile("cpsid f" ::: "memory"); }
static inline void __WFI(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void __DSB(void) { __asm__ volatile("dsb" ::: "memory"); }
static inline void __ISB(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void __NOP(void) { __asm__ volatile("nop"); }

#define FW_MRS(reg)                                                                 \
    static inline uint32_t __get_##reg(void)                                        \
    {                                                                               \
        uint32_t v;                                                                 \
        __asm__ volatile("mrs %0, " #reg : "=r"(v)::"memory");                      \
        return v;                                                                   \
    }
#define FW_MSR(reg)                                                                 \
    static inline void __set_##reg(uint32_t v)                                      \
    {                                                                               \
        __asm__ volatile("msr " #reg ", %0" ::"r"(v) : "memory");                   \
    }
FW_MRS(PRIMASK) FW_MSR(PRIMASK)
FW_MRS(FAULTMASK) FW_MSR(FAULTMASK)
FW_MRS(BASEPRI) FW_MSR(BASEPRI) FW_MSR(BASEPRI_MAX)
FW_MRS(MSP) FW_MSR(MSP)
FW_MRS(PSP) FW_MSR(PSP)
FW_MRS(IPSR)
FW_MRS(xPSR)
FW_MRS(CONTROL)
#undef FW_MRS
#undef FW_MSR

/* B5.2.3: software must use an ISB after writing CONTROL. */
static inline void __set_CONTROL(uint32_t v)
{
    __asm__ volatile("msr control, %0\n\tisb" ::"r"(v) : "memory");
}

static inline uint32_t __get_SP(void)
{
    uint32_t v;
    __asm__ volatile("mov %0, sp" : "=r"(v));
    return v;
}

static inline void NVIC_EnableIRQ(int irq) { NVIC->ISER[irq >> 5] = 1u << (irq & 31); }
static inline void NVIC_DisableIRQ(int irq) { NVIC->ICER[irq >> 5] = 1u << (irq & 31); }
static inline void NVIC_SetPendingIRQ(int irq) { NVIC->ISPR[irq >> 5] = 1u << (irq & 31); }
static inline void NVIC_ClearPendingIRQ(int irq) { NVIC->ICPR[irq >> 5] = 1u << (irq & 31); }
static inline int NVIC_GetPendingIRQ(int irq) { return (NVIC->ISPR[irq >> 5] >> (irq & 31)) & 1; }
static inline int NVIC_GetActive(int irq) { return (NVIC->IABR[irq >> 5] >> (irq & 31)) & 1; }

/* prio: 0 (highest) .. 7 (lowest); negative irq = system exception (CMSIS). */
static inline void NVIC_SetPriority(int irq, unsigned prio)
{
    uint8_t v = (uint8_t)(prio << (8 - NVIC_PRIO_BITS));
    if (irq < 0)
        SCB->SHP[(irq & 0xF) - 4] = v;
    else
        NVIC->IP[irq] = v;
}

/* Defines the exception handler `name` to call `void c_fn(ExcFrame *)`
 * with the frame the exception stacked, on MSP or PSP as EXC_RETURN bit 2
 * says. c_fn may change the frame (stacked r0 as a result, stacked PC). */
#define HANDLER_WITH_FRAME(name, c_fn)                                              \
    __attribute__((naked)) void name(void)                                          \
    {                                                                               \
        __asm__ volatile("tst lr, #4\n\t"                                           \
                         "ite eq\n\t"                                               \
                         "mrseq r0, msp\n\t"                                        \
                         "mrsne r0, psp\n\t"                                        \
                         "b " #c_fn);                                               \
    }

/* Defines the exception handler `name` to call `uint32_t c_fn(uint32_t
 * exc_return)` with the handler's EXC_RETURN and to leave through the
 * EXC_RETURN it gives back (the same, or fault_return_to()'s). */
#define HANDLER_RETURNING(name, c_fn)                                               \
    __attribute__((naked)) void name(void)                                          \
    {                                                                               \
        __asm__ volatile("mov r0, lr\n\t"                                           \
                         "bl " #c_fn "\n\t"                                         \
                         "bx r0");                                                  \
    }

/* Switches Thread mode to PSP at psp_top with CONTROL = control (SPSEL
 * set, nPRIV as wanted), calls fn there, and switches back to MSP,
 * privileged. An unprivileged fn must get privilege back (an SVC) before
 * it returns. Assembly: a C function's frame cannot move stacks under it. */
__attribute__((naked, unused)) static void run_on_psp(void (*fn)(void) __attribute__((unused)),
                                                      uint32_t psp_top __attribute__((unused)),
                                                      uint32_t control __attribute__((unused)))
{
    __asm__ volatile("push {r4, lr}\n\t"
                     "msr psp, r1\n\t"
                     "msr control, r2\n\t"
                     "isb\n\t"
                     "blx r0\n\t"
                     "movs r2, #0\n\t"
                     "msr control, r2\n\t"
                     "isb\n\t"
                     "pop {r4, pc}");
}

/* Length of the Thumb instruction starting with halfword hw (A5.1: a first
 * halfword 0b11101, 0b11110 or 0b11111 opens a 32-bit instruction). */
static inline unsigned thumb_insn_size(uint16_t hw)
{
    return (hw >> 11) >= 0x1D ? 4 : 2;
}

/* A fault handler that resumes after the faulting instruction. */
static inline void frame_skip_instruction(ExcFrame *f)
{
    f->pc += thumb_insn_size(*(const uint16_t *)f->pc);
}

/* Sleeps in WFI until cond holds, with no lost wake-up: cond is tested
 * with PRIMASK set, so an interrupt that makes it true between the test and
 * the WFI stays pending and ends the WFI (B1.5.19: WFI wakes on a pending
 * interrupt even when PRIMASK masks it), then is taken at CPSIE. */
#define WFI_UNTIL(cond)                                                             \
    do {                                                                            \
        __disable_irq();                                                            \
        while (!(cond)) {                                                           \
            __WFI();                                                                \
            __enable_irq();                                                         \
            __disable_irq();                                                        \
        }                                                                           \
        __enable_irq();                                                             \
    } while (0)

/* BASEPRI value that masks priorities prio..7 */
#define BASEPRI_FOR(prio) ((uint32_t)(prio) << (8 - NVIC_PRIO_BITS))

/* From a fault handler that gives up on the interrupted thread: builds a
 * fresh frame just below psp_top that returns to fn in Thread mode on
 * the main stack (privileged), points PSP at it and returns the
 * EXC_RETURN to leave the handler with. fn must not return. (In
 * fault_log.c.) */
uint32_t fault_return_to(uint32_t psp_top, void (*fn)(void));
/* Switches Thread mode to the process stack at psp (privileged) and pends
 * external interrupt irq (0..31) without touching the stack, then spins:
 * for tests whose interrupt must be stacked on that PSP. Never returns (a
 * fault handler leaves through fault_return_to()). (In fault_log.c.) */
__attribute__((noreturn)) void thread_on_psp_pend_irq(uint32_t psp, uint32_t irq);

#endif
