/* unaligned-ldm in an image with more LDRD/STRD/LDM/STM instructions than
 * minivm checks from reset (traps.c MULTIWORD_HOOKS_FROM_RESET): 40 more,
 * never executed. Without --strict the unaligned LDM completes (exit 0);
 * with it, it faults as in the small image. README "Known limitations". */
#define EXTRA_MULTIWORDS "40"
#include "../unaligned-ldm/unaligned-ldm.c"
