#!/usr/bin/env bash
# check-layers.sh — checks every #include of the hypervisor's rooms against the allowed arrows
# (docs/design.md, "Rooms"), and that no include circle joins two rooms or two headers.
#
# The Makefile's per-room -I paths already make most upward includes a compile error; this
# script says which file broke which rule, covers headers that no .c happens to include yet,
# and catches what -I paths cannot: a private "header" of another folder, another vdev's file,
# a <boot/...> header other than the assembly/C contract boot/layout.h. Prints one line per
# violation (file:line: what it includes: the rule) and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

# The rooms' sources and headers (assembly too: head.S and vectors.S include C headers). find,
# not git ls-files, so a file nobody has added yet is checked as well.
files=$(find arch platform mm core vdev boot -type f \
  \( -name '*.c' -o -name '*.h' -o -name '*.S' \) | LC_ALL=C sort)

# Where each <room/name.h> lives, for the header-level circle check: "room/name.h path" a line.
headers=$(for d in arch/*/include platform/include platform/*/include mm/include core/include \
  core/lib/include core/config/include core/xen/include vdev/include boot/include guest/include; do
  [ ! -d "$d" ] || find "$d" -name '*.h' | sed "s|^$d/\(.*\)|\1 &|"
done)

status=0
# shellcheck disable=SC2086 # $files is one path a word (no spaces in the tree's paths)
grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' $files /dev/null |
awk -v headers="$headers" -v files="$files" '
# The room of a file, by its path. boot/layout.h is a room of its own ("layout"): every room
# may include it, and it includes arch only.
function room_of_path(p,   part) {
  if (p == "boot/include/boot/layout.h") return "layout"
  if (p ~ /^core\/lib\//) return "lib"
  if (p ~ /^core\/config\//) return "config"
  if (p ~ /^core\/xen\//) return "xen"
  split(p, part, "/")
  return part[1]
}
# The room an <x/...> include reaches ("" for the C library, libfdt and generated headers).
function room_of_include(inc,   first) {
  if (inc == "boot/layout.h") return "layout"
  if (index(inc, "/") == 0) return ""
  first = substr(inc, 1, index(inc, "/") - 1)
  return (first in known) ? first : ""
}
function dirname(p) { sub(/\/[^\/]*$/, "", p); return p }
# The stem of a file name ("vgic_regs.h" -> "vgic"): a vdev file may share private headers
# with its own files only.
function stem(p) { sub(/^.*\//, "", p); sub(/[._-].*$/, "", p); return p }
function violation(msg) { printf "%s:%s: includes %s: %s\n", file, line, msg, rule; bad++ }
BEGIN {
  n = split("arch platform mm lib core config xen vdev boot septum", r, " ")
  for (i = 1; i <= n; i++) known[r[i]] = 1
  # the allowed arrows, and the rule as a message says it
  allow["arch"] = " arch ";         say["arch"] = "arch includes arch only"
  allow["platform"] = " platform "; say["platform"] = "platform includes platform only"
  allow["mm"] = " arch mm ";        say["mm"] = "mm may include arch and mm"
  allow["lib"] = " arch platform lib "
  say["lib"] = "core/lib may include arch, platform and lib"
  allow["core"] = " arch platform mm lib core septum "
  say["core"] = "core (run time) may include arch, platform, mm, lib, core and septum"
  allow["config"] = allow["core"] "config "
  say["config"] = "core/config may include what core may, and config"
  allow["xen"] = allow["core"] "xen "
  say["xen"] = "core/xen may include what core may, and xen"
  allow["vdev"] = allow["core"]
  say["vdev"] = "vdev may include arch, platform, mm, lib, core and septum " \
                "(never config, xen or another vdev)"
  allow["boot"] = " arch platform mm lib core config xen vdev boot septum "
  say["boot"] = "boot may include everything"
  allow["layout"] = allow["boot"]; say["layout"] = say["boot"]
  nh = split(headers, h, "\n")
  for (i = 1; i <= nh; i++) { split(h[i], kv, " "); where[kv[1]] = kv[2] }
  nf = split(files, f, "\n")
  for (i = 1; i <= nf; i++) exists[f[i]] = 1
  bad = 0
}
{
  # grep -n output: "path:line:   #include <x/y.h> ..."
  file = $0; sub(/:.*/, "", file)
  rest = substr($0, length(file) + 2)
  line = rest; sub(/:.*/, "", line)
  text = substr(rest, length(line) + 2)
  from = room_of_path(file); rule = say[from]
  if (match(text, /<[^>]*>/)) {
    inc = substr(text, RSTART + 1, RLENGTH - 2)
    to = room_of_include(inc)
    if (to == "") next
    target = (inc in where) ? where[inc] : ""
    if (to == "boot" && from != "boot" && from != "layout") {
      rule = "no <boot/...> header outside boot/ but <boot/layout.h>"
      violation("<" inc ">")
    } else if (to != "layout" && index(allow[from], " " to " ") == 0) {
      violation("<" inc "> (room " to ")")
    }
  } else if (match(text, /"[^"]*"/)) {
    inc = substr(text, RSTART + 1, RLENGTH - 2)
    target = dirname(file) "/" inc
    if (index(inc, "/") || !(target in exists)) {
      rule = "a quoted include names a private header of its own folder"
      violation("\"" inc "\"")
      next
    }
    if (from == "vdev" && stem(inc) != stem(file)) violation("\"" inc "\"")
    to = room_of_path(target)
  } else next
  # The graphs for the circle checks: rooms, and files (through the headers found above).
  # boot/layout.h is left out of the rooms graph: every room may include it, so a room circle
  # through it is allowed; a file circle through it is not, and the files graph has it.
  if (to != from && to != "layout" && from != "layout" && !((from, to) in redge)) {
    redge[from, to] = file ":" line " " from " -> " to; radj[from] = radj[from] " " to
  }
  if (target != "" && !((file, target) in fedge)) {
    fedge[file, target] = 1; fadj[file] = fadj[file] " " target
  }
}
# Depth-first search: state 1 = on the current path (path[1..depth]), 2 = done.
function dfs(v, adj, kind,   n, i, w, nb, j, cyc, why) {
  state[kind, v] = 1; path[++depth] = v
  n = split(adj[v], nb, " ")
  for (i = 1; i <= n; i++) {
    w = nb[i]
    if (state[kind, w] == 1) {
      # the circle, and for rooms one include that makes each of its arrows
      cyc = ""; why = ""
      for (j = 1; j <= depth; j++) if (path[j] == w) break
      for (; j <= depth; j++) {
        cyc = cyc path[j] " -> "
        if (kind == "rooms")
          why = why (why == "" ? "" : ", ") redge[path[j], j < depth ? path[j + 1] : w]
      }
      cyc = cyc w
      if (!(cyc in seen)) {
        seen[cyc] = 1
        printf "include circle between %s: %s%s\n", kind, cyc, why == "" ? "" : " (" why ")"
        bad++
      }
    } else if (state[kind, w] == 0) dfs(w, adj, kind)
  }
  depth--; state[kind, v] = 2
}
END {
  depth = 0
  for (v in radj) if (state["rooms", v] == 0) dfs(v, radj, "rooms")
  depth = 0
  for (v in fadj) if (state["files", v] == 0) dfs(v, fadj, "files")
  exit bad > 0
}' || status=$?

if [ "$status" -ne 0 ]; then
  echo "check-layers: the rules are in docs/design.md (Rooms); the Makefile's INC_* mirror them" >&2
  exit 1
fi
echo "check-layers: $(echo "$files" | wc -l) files, every include follows the rooms' arrows"
