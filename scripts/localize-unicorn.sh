#!/bin/sh
# libunicorn.a carries its own copy of parts of GLib (g_ptr_array_*,
# g_hash_table_*, g_malloc, ...) under GLib's names. Linked statically next
# to the real GLib, those definitions would silently replace GLib's for all
# of minivm and corrupt memory. This renames every g_* symbol the archive
# defines (and its own references to them) to minivm_uc_g_*.
# Usage: localize-unicorn.sh NM OBJCOPY IN.a OUT.a
set -eu
nm_tool=$1; objcopy_tool=$2; in=$3; out=$4
map="$out.syms"
"$nm_tool" --defined-only "$in" 2>/dev/null |
    awk '$3 ~ /^g_/ { print $3 " minivm_uc_" $3 }' | sort -u >"$map"
"$objcopy_tool" --redefine-syms="$map" "$in" "$out"
