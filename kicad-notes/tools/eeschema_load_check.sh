#!/usr/bin/env bash
# Opens a .kicad_sch in KiCad 6's eeschema on a private virtual X display and
# reports whether it loaded cleanly: the Schematic Editor window for the file
# appears and no "Error"/"Warning" dialog does.  KiCad 6 (Debian bookworm) has no
# kicad-cli, so this is the way to ask KiCad itself.
#
# Usage: eeschema_load_check.sh FILE.kicad_sch
# Exit:  0 loaded, 1 did not load (the window titles are printed), 77 could not
#        run the check here (no free display, Xvfb would not start).
# Needs: eeschema (package kicad), Xvfb (xvfb), xdotool (xdotool).
# It starts its own Xvfb and eeschema and ends exactly those two processes.
set -u
file=$(readlink -f "${1:?usage: eeschema_load_check.sh FILE.kicad_sch}")
base=$(basename "$file" .kicad_sch)
work=$(mktemp -d)
xvfb_pid=""
ee_pid=""
cleanup() {
    [ -n "$ee_pid" ] && kill "$ee_pid" 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# A fresh KiCad home with empty library tables, so first-run dialogs stay away.
mkdir -p "$work/home/.config/kicad/6.0"
printf '(sym_lib_table\n)\n' > "$work/home/.config/kicad/6.0/sym-lib-table"
printf '(fp_lib_table\n)\n' > "$work/home/.config/kicad/6.0/fp-lib-table"
echo '{}' > "$work/home/.config/kicad/6.0/kicad_common.json"

display=""
for n in $(seq 90 120); do
    [ -e "/tmp/.X$n-lock" ] && continue
    Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 1 20); do
        if DISPLAY=":$n" xdotool getmouselocation >/dev/null 2>&1; then display=":$n"; break; fi
        sleep 0.25
    done
    [ -n "$display" ] && break
    kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; xvfb_pid=""
done
if [ -z "$display" ]; then echo "no usable virtual X display (Xvfb)"; exit 77; fi

export DISPLAY="$display" HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
eeschema "$file" >"$work/eeschema.log" 2>&1 &
ee_pid=$!

titles() {
    for w in $(xdotool search --onlyvisible --name '.' 2>/dev/null); do
        xdotool getwindowname "$w" 2>/dev/null
    done
}
loaded=""
for _ in $(seq 1 120); do
    if ! kill -0 "$ee_pid" 2>/dev/null; then
        echo "eeschema exited early:"; cat "$work/eeschema.log"; ee_pid=""; exit 1
    fi
    t=$(titles)
    if echo "$t" | grep -q "^$base .*Schematic Editor"; then loaded=yes; break; fi
    sleep 0.5
done
sleep 3  # give a load error dialog time to appear
t=$(titles)
if [ -z "$loaded" ] || echo "$t" | grep -qiE '^(error|warning)'; then
    echo "window titles seen:"; echo "$t"; cat "$work/eeschema.log"; exit 1
fi
echo "eeschema opened $base: $(echo "$t" | grep 'Schematic Editor' | head -1)"
exit 0
