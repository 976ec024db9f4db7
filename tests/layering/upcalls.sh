#!/bin/sh
# upcalls.sh - the layering rule of docs/architecture.md ("Layers"): the subsystems below
# the I/O manager never call up into it. Fails, naming each file and line, when a source
# in one of those folders of the given sim/ tree names an Iop* routine or variable, or
# includes an io/ header. Comments do not count (a comment may say where a caller is).
#   sh upcalls.sh <sim directory>
root=${1:?usage: upcalls.sh <sim directory>}
# (fault/fault.c is the fault choke point, below everything; the rest of fault/, the
# sweep, is a host-level tool that drives whole machines)
folders="ex ke cm mm ob rtl hal ps verifier trace fault/fault.c"

set --
for folder in $folders; do
    [ -e "$root/$folder" ] && set -- "$@" "$root/$folder"
done
if [ $# -eq 0 ]; then
    echo "upcalls.sh: none of $folders under $root" >&2
    exit 2
fi

# awk strips /* */ and // comments (keeping line numbers), then reports each line that
# still names Iop<Something> or includes "io/...".
prog='
FNR == 1 { incomment = 0 }
{
    line = $0; code = ""
    while (line != "") {
        if (incomment) {
            stop = index(line, "*/")
            if (stop == 0) { line = ""; break }
            line = substr(line, stop + 2); incomment = 0
            continue
        }
        start = index(line, "/*"); slash = index(line, "//")
        if (slash > 0 && (start == 0 || slash < start)) { code = code substr(line, 1, slash - 1); break }
        if (start == 0) { code = code line; break }
        code = code substr(line, 1, start - 1); line = substr(line, start + 2); incomment = 1
    }
    if (code ~ /(^|[^A-Za-z0-9_])Iop[A-Z][A-Za-z0-9_]*/ || code ~ /^[ \t]*#[ \t]*include[ \t]*"io\//) {
        print FILENAME ":" FNR ": calls up into the I/O manager: " $0
        found = 1
    }
}
END { exit found ? 1 : 0 }
'
find "$@" -type f \( -name '*.c' -o -name '*.h' -o -name '*.inc' \) -exec awk "$prog" {} +
status=$?
if [ $status -ne 0 ]; then
    echo "upcalls.sh: ex/ ke/ cm/ mm/ ob/ rtl/ hal/ ps/ verifier/ trace/ and fault/fault.c sit below io/ and must not call up into it;" \
         "use the ownership service (Vf*, ntsimp.h) or a callback io registers (docs/architecture.md, Layers)" >&2
fi
exit $status
