/* pty_client.c - a person at a terminal, for ctest: run a command that puts a UART on a
 * pseudo-terminal, find the pty path it prints, open it, type, and check what comes back.
 *
 *   pty_client [--after TEXT] --send TEXT --expect-back TEXT [--ack TEXT]
 *              [--expect-out TEXT]... [--stop] [--exit N] -- COMMAND ARGS...
 *
 * --after: type only once the command's output contains TEXT (the request that reads
 * is issued), so that nothing depends on timing. TEXT takes \r \n \t \\ escapes.
 * --ack: type TEXT once the echo came back (a command that then reads it keeps the pty
 * open until the echo was read: a pty's unread input is lost when its master closes).
 * --stop: send SIGTERM once the echo came back (for commands that run until stopped).
 * The command's output (stdout and stderr) is copied to stdout for the log; the test
 * fails with a message saying which expectation was not met. A wall-clock limit (30 s)
 * only keeps a broken build from hanging ctest. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LIMIT_SECONDS 30
#define MAX_EXPECT 8

static char Output[1 << 16];
static size_t OutputLength;

static void Unescape(char *Text)
{
    char *Out = Text;
    for (char *In = Text; *In; In++) {
        if (*In == '\\' && In[1]) {
            In++;
            *Out++ = *In == 'r' ? '\r' : *In == 'n' ? '\n' : *In == 't' ? '\t' : *In;
        } else {
            *Out++ = *In;
        }
    }
    *Out = 0;
}

static int Fail(pid_t Child, const char *Format, const char *Detail)
{
    fwrite(Output, 1, OutputLength, stdout);
    printf("\npty_client: ");
    printf(Format, Detail);
    printf("\n");
    if (Child > 0) {
        kill(Child, SIGKILL);
        waitpid(Child, NULL, 0);
    }
    return 1;
}

static double Now(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec + (double)T.tv_nsec / 1e9;
}

/* Read what the command printed so far (waiting up to Ms); 0 at end of output. */
static int Pump(int Pipe, int Ms)
{
    struct pollfd P = { .fd = Pipe, .events = POLLIN };
    if (poll(&P, 1, Ms) <= 0)
        return 1;
    ssize_t Got = read(Pipe, Output + OutputLength, sizeof(Output) - 1 - OutputLength);
    if (Got <= 0)
        return 0;
    OutputLength += (size_t)Got;
    Output[OutputLength] = 0;
    return 1;
}

/* The first /dev/... word in the output: the pty's slave. */
static int FindPty(char *Path, size_t Size)
{
    const char *Start = strstr(Output, "/dev/");
    if (Start == NULL)
        return 0;
    size_t Length = strspn(Start, "/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
    if (Start[Length] == 0 || Length >= Size)
        return 0; /* not all of it printed yet */
    memcpy(Path, Start, Length);
    Path[Length] = 0;
    return 1;
}

int main(int argc, char **argv)
{
    char *After = NULL, *Send = NULL, *Back = NULL, *Ack = NULL, *Expect[MAX_EXPECT];
    int ExpectCount = 0, Stop = 0, ExitCode = 0, i;
    for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (i + 1 >= argc)
            return fprintf(stderr, "pty_client: %s needs a value\n", argv[i]), 2;
        if (!strcmp(argv[i], "--after"))
            After = argv[++i];
        else if (!strcmp(argv[i], "--send"))
            Send = argv[++i];
        else if (!strcmp(argv[i], "--ack"))
            Ack = argv[++i];
        else if (!strcmp(argv[i], "--expect-back"))
            Back = argv[++i];
        else if (!strcmp(argv[i], "--expect-out") && ExpectCount < MAX_EXPECT)
            Expect[ExpectCount++] = argv[++i];
        else if (!strcmp(argv[i], "--exit"))
            ExitCode = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--stop"))
            Stop = 1;
        else
            return fprintf(stderr, "pty_client: unknown option %s\n", argv[i]), 2;
    }
    if (i + 1 >= argc || Send == NULL || Back == NULL)
        return fprintf(stderr, "usage: pty_client [--after T] --send T --expect-back T [--expect-out T]... "
                               "[--stop] [--exit N] -- COMMAND ARGS...\n"), 2;
    Unescape(Send);
    Unescape(Back);
    if (After)
        Unescape(After);
    if (Ack)
        Unescape(Ack);

    int Pipe[2];
    if (pipe(Pipe))
        return perror("pipe"), 2;
    pid_t Child = fork();
    if (Child == 0) {
        dup2(Pipe[1], 1);
        dup2(Pipe[1], 2);
        close(Pipe[0]);
        close(Pipe[1]);
        execvp(argv[i + 1], argv + i + 1);
        perror(argv[i + 1]);
        _exit(127);
    }
    close(Pipe[1]);
    double Deadline = Now() + LIMIT_SECONDS;
    char Path[256];
    int Open = 1;
    while (Open && !FindPty(Path, sizeof(Path)) && Now() < Deadline)
        Open = Pump(Pipe[0], 100);
    if (!FindPty(Path, sizeof(Path)))
        return Fail(Child, "the command printed no pty path (%s)", Open ? "time limit" : "it ended");
    while (Open && After && !strstr(Output, After) && Now() < Deadline)
        Open = Pump(Pipe[0], 100);
    if (After && !strstr(Output, After))
        return Fail(Child, "the command never printed '%s'", After);
    int Tty = open(Path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (Tty < 0)
        return Fail(Child, "cannot open the pty %s", Path);
    if (write(Tty, Send, strlen(Send)) != (ssize_t)strlen(Send))
        return Fail(Child, "cannot write to the pty %s", Path);

    char Echo[4096];
    size_t EchoLength = 0;
    Echo[0] = 0;
    while (!strstr(Echo, Back) && Now() < Deadline && EchoLength < sizeof(Echo) - 1) {
        struct pollfd P[2] = { { .fd = Tty, .events = POLLIN }, { .fd = Pipe[0], .events = POLLIN } };
        if (poll(P, Open ? 2 : 1, 100) <= 0)
            continue;
        if (P[0].revents & POLLIN) {
            ssize_t Got = read(Tty, Echo + EchoLength, sizeof(Echo) - 1 - EchoLength);
            if (Got > 0)
                Echo[EchoLength += (size_t)Got] = 0;
        }
        if (Open && (P[1].revents & (POLLIN | POLLHUP)))
            Open = Pump(Pipe[0], 0);
    }
    if (!strstr(Echo, Back))
        return Fail(Child, "the pty never received '%s'", Back);
    printf("pty_client: %s sent back what was expected\n", Path);
    if (Ack && write(Tty, Ack, strlen(Ack)) != (ssize_t)strlen(Ack))
        return Fail(Child, "cannot write to the pty %s", Path);
    if (Stop)
        kill(Child, SIGTERM);
    while (Open && Now() < Deadline)
        Open = Pump(Pipe[0], 100);
    close(Tty);
    if (Open)
        return Fail(Child, "the command did not end (%s)", Stop ? "after SIGTERM" : "by itself");
    int Status;
    waitpid(Child, &Status, 0);
    fwrite(Output, 1, OutputLength, stdout);
    if (!WIFEXITED(Status) || WEXITSTATUS(Status) != ExitCode) {
        printf("pty_client: the command ended with status 0x%x, expected exit code %d\n", Status, ExitCode);
        return 1;
    }
    for (int e = 0; e < ExpectCount; e++)
        if (!strstr(Output, Expect[e])) {
            printf("pty_client: the command's output does not contain '%s'\n", Expect[e]);
            return 1;
        }
    return 0;
}
