/*
 * wire.c - the out-of-line pieces of the wire primitives: the binary64 ->
 * binary32 shortening test and the lead-byte class table.  The hot
 * primitives are static inline in wire.h; layout: spec/wire-format.md.
 */
#include "wire.h"

#include <float.h>
#include <math.h>

int alri_f64_fits_f32(uint64_t bits, uint32_t *f32bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    if (d != d)
        return 0; /* NaN: payload bits may not survive; always 8 bytes */
    if ((d > FLT_MAX || d < -FLT_MAX) && !isinf(d))
        return 0; /* finite but out of binary32 range (the cast would be undefined) */
    float f = (float)d;
    double back = (double)f;
    uint64_t bb;
    memcpy(&bb, &back, sizeof bb);
    if (bb != bits)
        return 0;
    memcpy(f32bits, &f, sizeof f);
    return 1;
}

alri_lead_class alri_lead_class_of(uint8_t lead)
{
    if (lead >= 0x01 && lead <= 0x88 && lead != 0x80)
        return ALRI_LC_UINT;
    if (lead == ALRI_W_F32)
        return ALRI_LC_F32;
    if (lead == ALRI_W_F64)
        return ALRI_LC_F64;
    if ((lead >= 0x90 && lead <= 0xBF) || (lead >= 0xC1 && lead <= 0xC4))
        return ALRI_LC_STR;
    if (lead >= 0xC5 && lead <= 0xDC)
        return ALRI_LC_CNT;
    if (lead >= 0xE1 && lead <= 0xE8)
        return ALRI_LC_REF;
    if (lead == ALRI_W_DEFAULT)
        return ALRI_LC_DEFAULT;
    if (lead == ALRI_W_RUN)
        return ALRI_LC_RUN;
    if (lead == ALRI_W_PRESENT)
        return ALRI_LC_PRESENT;
    return ALRI_LC_RESERVED;
}
