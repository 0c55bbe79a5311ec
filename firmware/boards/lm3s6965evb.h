/* TI Stellaris LM3S6965 evaluation board (Cortex-M3, 12.5 MHz at reset). */
#ifndef FW_LM3S6965EVB_H
#define FW_LM3S6965EVB_H

#include "pl011.h"

#define SYSTEM_CORE_CLOCK 12500000u

#define UART0 ((PL011_TypeDef *)0x4000C000u)
#define UART0_IRQn 5

#endif
