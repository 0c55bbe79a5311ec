#include "irq_or.h"

#include <glib.h>

struct IrqOr {
    IrqLine out;
    GArray *inputs; /* bool, one per input: its level */
    unsigned high;  /* inputs now high */
};

static void irq_or_input(void *opaque, int n, bool level)
{
    IrqOr *g = opaque;
    g_assert(n >= 0 && (guint)n < g->inputs->len);
    bool *input = &g_array_index(g->inputs, bool, n);
    if (*input == level)
        return;
    *input = level;
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
    g->inputs = g_array_new(FALSE, TRUE, sizeof(bool));
    return g;
}

IrqLine irq_or_add_input(IrqOr *g)
{
    bool low = false;
    g_array_append_val(g->inputs, low);
    return (IrqLine){ irq_or_input, g, (int)g->inputs->len - 1 };
}

bool irq_or_level(const IrqOr *g) { return g->high > 0; }

void irq_or_free(IrqOr *g)
{
    if (g == NULL)
        return;
    g_array_free(g->inputs, TRUE);
    g_free(g);
}
