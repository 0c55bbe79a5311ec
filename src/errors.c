#include "errors.h"

G_DEFINE_QUARK(minivm-error-quark, minivm_error)
