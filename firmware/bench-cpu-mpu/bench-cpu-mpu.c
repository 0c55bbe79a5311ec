/* bench-cpu with the MPU enabled, for bench/cpu.sh's MPU rows: code
 * read-only, RAM read-write and execute-never, the default map in the
 * background for privileged code (every page is allowed as a whole: the
 * MPU's cheap case). With MPU_STACK_GUARD, a 32-byte no-access guard
 * region also sits in the 1 KiB page that holds the hot stack frames,
 * so every stack access goes through minivm's per-access check: the
 * expensive case (README.md "MPU"). */
#include "armv7m.h"

#define main bench_cpu_main
#include "../bench-cpu/bench-cpu.c"
#undef main

extern uint32_t __stack_top[];

static void mpu_region(unsigned n, uint32_t base, uint32_t rasr)
{
    MPU->RBAR = base | MPU_RBAR_VALID | n;
    MPU->RASR = rasr | MPU_RASR_ENABLE;
}

int main(void)
{
    mpu_region(0, 0x00000000, MPU_RASR_AP(MPU_AP_RO) | MPU_RASR_SIZE(22));
    mpu_region(1, 0x20000000, MPU_RASR_AP(MPU_AP_FULL) | MPU_RASR_XN | MPU_RASR_SIZE(22));
#ifdef MPU_STACK_GUARD
    mpu_region(2, (uint32_t)__stack_top - 1024, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SIZE(5));
#endif
    MPU->CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
    __DSB();
    __ISB();
    return bench_cpu_main();
}
