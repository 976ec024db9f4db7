/* replay.c - runs a libFuzzer target over files without libFuzzer: the seed corpus in
 * every ordinary build (gcc included), and a crash file given on the command line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size);

static int ReplayFile(const char *Path)
{
    FILE *File = fopen(Path, "rb");
    if (File == NULL) {
        perror(Path);
        return 1;
    }
    size_t Capacity = 4096, Size = 0, Got;
    uint8_t *Data = malloc(Capacity);
    while (Data != NULL && (Got = fread(Data + Size, 1, Capacity - Size, File)) > 0) {
        Size += Got;
        if (Size == Capacity)
            Data = realloc(Data, Capacity *= 2);
    }
    fclose(File);
    if (Data == NULL)
        return 1;
    LLVMFuzzerTestOneInput(Data, Size);
    free(Data);
    return 0;
}

int main(int argc, char **argv)
{
    int Failed = 0;
    for (int i = 1; i < argc; i++)
        Failed |= ReplayFile(argv[i]);
    if (argc > 1)
        printf("replayed %d inputs\n", argc - 1);
    return Failed;
}
