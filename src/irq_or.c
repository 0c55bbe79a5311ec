#include "irq_or.h"

#include <glib.h>

struct IrqOr {
    IrqLine out;
    bool *inputs; /* each input's level */
    unsigned ninputs;
    unsigned high; /* inputs now high */
};

static void irq_or_input(void *opaque, int n, bool level)
{
    IrqOr *g = opaque;
    g_assert(n >= 0 && (unsigned)n < g->ninputs);
    if (g->inputs[n] == level)
        return;
    g->inputs[n] = level;
    if (level)
        g->high++;
    else
        g->high--;
    /* the output changes only on the first input up and the last down */
    if (g->high == (level ? 1u : 0u))
        irq_set(&g->out, level);
}

IrqOr *irq_or_new(IrqLine out)
{
    IrqOr *g = g_new0(IrqOr, 1);
    g->out = out;
    return g;
}

IrqLine irq_or_add_input(IrqOr *g)
{
    g->inputs = g_renew(bool, g->inputs, g->ninputs + 1);
    g->inputs[g->ninputs] = false;
    return (IrqLine){ irq_or_input, g, (int)g->ninputs++ };
}

bool irq_or_level(const IrqOr *g) { return g->high > 0; }

void irq_or_free(IrqOr *g)
{
    if (g == NULL)
        return;
    g_free(g->inputs);
    g_free(g);
}
