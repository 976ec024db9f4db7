/*
 * random.c - RtlUniform, RtlRandom, RtlRandomEx.
 *
 * All three use the same Lehmer-style linear congruential step
 *     Seed = (Seed * 0x7FFFFFED + 0x7FFFFFC3) mod 0x7FFFFFFF
 * and return the new seed, so results lie in [0, MAXLONG - 1] as documented and a
 * given seed always gives the same sequence. Windows' RtlRandom/RtlRandomEx add a
 * shuffle table on top; ntsim does not, so the numbers differ from Windows'.
 */
#include "ntsimp.h"

ULONG RtlUniform(PULONG Seed)
{
    ULONGLONG next = ((ULONGLONG)*Seed * 0x7FFFFFEDull + 0x7FFFFFC3ull) % 0x7FFFFFFFull;

    *Seed = (ULONG)next;
    return (ULONG)next;
}

ULONG RtlRandom(PULONG Seed)
{
    return RtlUniform(Seed);
}

ULONG RtlRandomEx(PULONG Seed)
{
    return RtlUniform(Seed);
}
