/*
 * wire.c - the out-of-line pieces of the wire primitives: the lead-byte
 * class of a byte (diagnostics, tests).  The hot primitives are static
 * inline in wire.h; layout: spec/wire-format.md.
 */
#include "wire.h"


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
