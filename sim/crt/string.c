/* string.c - the Microsoft narrow-string routines the host's C library lacks.
 * Case folding is ASCII, as the kernel's C runtime does in its "C" locale. */
#include "ntsimp.h"

static int CrtpLower(int Character)
{
    return Character >= 'A' && Character <= 'Z' ? Character + ('a' - 'A') : Character;
}

int NtsimCrt__strnicmp(const char *String1, const char *String2, size_t Count)
{
    for (size_t i = 0; i < Count; i++) {
        int A = CrtpLower((unsigned char)String1[i]), B = CrtpLower((unsigned char)String2[i]);
        if (A != B)
            return A - B;
        if (A == 0)
            return 0;
    }
    return 0;
}

int NtsimCrt__stricmp(const char *String1, const char *String2)
{
    return NtsimCrt__strnicmp(String1, String2, SIZE_MAX);
}

char *NtsimCrt__strupr(char *String)
{
    for (char *P = String; *P; P++)
        if (*P >= 'a' && *P <= 'z')
            *P = (char)(*P - ('a' - 'A'));
    return String;
}

char *NtsimCrt__strlwr(char *String)
{
    for (char *P = String; *P; P++)
        *P = (char)CrtpLower((unsigned char)*P);
    return String;
}
