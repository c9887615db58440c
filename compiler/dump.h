/*
 * dump.h - prints a schema IR as canonical .alr text (alrc --dump).  The
 * text, compiled again by alrc, gives the identical blob: one file with a
 * `package` statement per package, declarations sorted, every enum value
 * explicit, defaults printed exactly.
 */
#ifndef ALR_DUMP_H
#define ALR_DUMP_H

#include <stdio.h>

#include "schema_ir.h"

/* Writes s as .alr text to out.  Returns 0, or -1 when writing failed. */
int dump_alr(const alri_schema *s, FILE *out);

#endif /* ALR_DUMP_H */
