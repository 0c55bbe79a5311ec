/* bench-cpu-mpu with a guard region in the hot stack page (see there). */
#define MPU_STACK_GUARD 1
#include "bench-cpu-mpu.c"
