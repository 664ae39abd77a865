#!/usr/bin/env bash
# Installer check (part of ./mvnw verify; -Dskip.installer skips it).
#
# Builds the app image and the .deb (installer/build.sh --no-maven --fast-deb), then for each of
#   1. a copy of the app image, and
#   2. the .deb unpacked with dpkg-deb -x,
# makes the installed files read-only and runs the launcher headless with an empty home:
# `--version`, and a 2-step `generate` from the tiny test pack (plus one from the built-in pack
# when models/stepwise-emoji exists; the .deb's through a link, and its completion and man pages
# too); for the app image it also opens the studio window on Xvfb
# (when the jar has the studio and Xvfb is installed). It asserts exit 0, a real PNG, that the
# launcher never wrote inside the installed folder (file listings before/after), and that the
# natives went to the user's cache (~/.cache/stepwise/djl, .../openjfx). Run as root, the launcher runs as user nobody, so the
# read-only folders really are read-only; as any other user, chmod -R a-w does that.
#
#   installer/check.sh              # needs target/stepwise.jar and target/lib (./mvnw package)
#   installer/check.sh --no-build   # reuse target/installer from a previous build.sh run
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    *) echo "check.sh: unknown option '$arg' (allowed: --no-build)" >&2; exit 2 ;;
  esac
done

fail() { echo "check.sh: FAILED: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
T_START="$(now)"

if [ "$BUILD" = 1 ]; then
  installer/build.sh --no-maven --fast-deb
fi
T_BUILT="$(now)"

OUT="$ROOT/target/installer"
IMAGE="$OUT/image/Stepwise"
DEB_FILE="$(ls "$OUT"/stepwise_*.deb 2>/dev/null | head -n 1 || true)"
[ -x "$IMAGE/bin/Stepwise" ] || fail "no app image at $IMAGE (run installer/build.sh)"
[ -n "$DEB_FILE" ] || fail "no .deb in $OUT (run installer/build.sh)"
POM_VERSION="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/stepwise-installer-check.XXXXXX")"
cleanup() { chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
chmod 755 "$WORK"

# Inputs the launcher reads: a world-readable copy of the tiny pack.
cp -R src/test/resources/packs/tiny-sd "$WORK/tiny-sd"
chmod -R a+rX "$WORK/tiny-sd"

# Who runs the launcher: root would ignore the read-only bits, so root runs it as nobody.
AS_USER=()
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || fail "running as root needs setpriv (util-linux) to drop to user nobody"
  AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

# The packaging facts the .deb must carry.
DEPENDS="$(dpkg-deb -f "$DEB_FILE" Depends)"
[[ "$DEPENDS" == *libgtk-3-0* ]] || fail ".deb Depends lacks libgtk-3-0: $DEPENDS"
[ -s "$IMAGE/lib/Stepwise.png" ] || fail "the app image has no icon at lib/Stepwise.png"

listing() { (cd "$1" && find . -printf '%y %p %s %T@ %m\n' | LC_ALL=C sort); }

# run_installed NAME INSTALL_DIR LAUNCHER: the read-only run described above.
run_installed() {
  local name="$1" dir="$2" launcher="$3" studio="${4:-0}"
  local home="$WORK/home-$name"
  local t0; t0="$(now)"
  chmod -R a+rX "$dir"
  chmod -R a-w "$dir"
  listing "$dir" > "$WORK/$name.before"
  mkdir -p "$home/out"
  [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$home"
  # An empty environment but for PATH and the home; user.home follows it (Java reads the
  # password file otherwise). No XDG_* variables: the default ~/.cache/stepwise is what we test.
  local envs=(env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8
    JAVA_TOOL_OPTIONS="-Duser.home=$home -Djava.awt.headless=true")

  local v
  v="$("${AS_USER[@]}" "${envs[@]}" "$launcher" --version 2>"$WORK/$name.version.err")" \
    || { cat "$WORK/$name.version.err" >&2; fail "$name: '$launcher --version' exited non-zero"; }
  [ "$v" = "Stepwise $POM_VERSION" ] || fail "$name: --version printed '$v', expected 'Stepwise $POM_VERSION'"

  gen() {
    local label="$1"; shift
    local png="$home/out/$label.png"
    "${AS_USER[@]}" "${envs[@]}" "$launcher" generate "$@" --prompt "a red heart emoji" \
      --steps 2 --seed 7 --out "$png" >"$WORK/$name.$label.out" 2>"$WORK/$name.$label.err" || {
      cat "$WORK/$name.$label.out" "$WORK/$name.$label.err" >&2
      tail -n 30 "$home/.cache/stepwise/logs/stepwise.log" >&2 2>/dev/null || true
      fail "$name: 2-step generate ($label) exited non-zero"
    }
    [ -s "$png" ] || fail "$name: generate ($label) wrote no $png"
    [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
      || fail "$name: $png is not a PNG"
  }
  gen tiny --model "$WORK/tiny-sd"
  if [ -f models/stepwise-emoji/model_index.json ]; then
    gen builtin   # no --model: the pack installed beside the program must be found
  fi
  if [ "$studio" = 1 ]; then
    studio_smoke "$name" "$launcher" "$home"
  fi

  listing "$dir" > "$WORK/$name.after"
  if ! diff -u "$WORK/$name.before" "$WORK/$name.after" > "$WORK/$name.diff"; then
    head -n 40 "$WORK/$name.diff" >&2
    fail "$name: the launcher wrote inside the installed folder $dir"
  fi
  ls "$home/.cache/stepwise/djl" >/dev/null 2>&1 \
    || fail "$name: the PyTorch natives were not unpacked under ~/.cache/stepwise/djl"
  [ ! -e "$home/.djl.ai" ] || fail "$name: DJL wrote ~/.djl.ai instead of ~/.cache/stepwise"
  echo "check.sh: $name OK: read-only launcher ran --version and generate in $(secs "$t0" "$(now)") s"
}

# studio_smoke NAME LAUNCHER HOME: the launcher with no command opens the studio window on a
# virtual display (Xvfb). Passes when JavaFX unpacked its natives into ~/.cache/stepwise/openjfx
# and the program is still running 15 s later (without a usable display it exits at once).
studio_smoke() {
  local name="$1" launcher="$2" home="$3" t0 display xpid spid i
  t0="$(now)"
  Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp 9>"$WORK/display" >/dev/null 2>&1 &
  xpid=$!
  for i in $(seq 1 50); do [ -s "$WORK/display" ] && break; sleep 0.2; done
  display="$(tr -d ' \n' < "$WORK/display")"
  if [ -z "$display" ]; then
    kill "$xpid" 2>/dev/null
    echo "check.sh: WARNING: Xvfb did not start here; the studio window was not checked"
    return 0
  fi
  "${AS_USER[@]}" env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 DISPLAY=":$display" \
    JAVA_TOOL_OPTIONS="-Duser.home=$home" "$launcher" >"$WORK/$name.studio.out" 2>&1 &
  spid=$!
  for i in $(seq 1 240); do
    kill -0 "$spid" 2>/dev/null || break
    ls "$home"/.cache/stepwise/openjfx/libglass*.so >/dev/null 2>&1 && break
    sleep 0.5
  done
  sleep 15
  if ! kill -0 "$spid" 2>/dev/null; then
    kill "$xpid" 2>/dev/null
    cat "$WORK/$name.studio.out" >&2
    fail "$name: the studio window (launcher without a command) exited instead of staying open"
  fi
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true
  kill "$xpid" 2>/dev/null; wait "$xpid" 2>/dev/null || true
  ls "$home"/.cache/stepwise/openjfx/libglass*.so >/dev/null 2>&1 \
    || fail "$name: JavaFX did not unpack its natives into ~/.cache/stepwise/openjfx"
  echo "check.sh: $name studio window opened read-only in $(secs "$t0" "$(now)") s"
}

STUDIO=0
if unzip -l target/stepwise.jar 2>/dev/null | grep -q 'dev/stepwise/app/StudioLauncher.class' \
  || "${JAVA_HOME:+$JAVA_HOME/bin/}jar" tf target/stepwise.jar 2>/dev/null | grep -q 'dev/stepwise/app/StudioLauncher.class'; then
  if command -v Xvfb >/dev/null; then
    STUDIO=1
  else
    echo "check.sh: Xvfb is missing (apt-get install -y xvfb): the studio window is not started"
  fi
else
  echo "check.sh: this build has no studio window (dev.stepwise.app.StudioLauncher): not started"
fi

# 1. The app image, copied (plus the studio window: the .deb holds the same files).
cp -a "$IMAGE" "$WORK/image"
run_installed image "$WORK/image" "$WORK/image/bin/Stepwise" "$STUDIO"

# 2. The .deb, unpacked as dpkg would lay it out (/opt/stepwise).
T_DEB="$(now)"
dpkg-deb -x "$DEB_FILE" "$WORK/deb-root"
[ -x "$WORK/deb-root/opt/stepwise/bin/Stepwise" ] || fail ".deb has no /opt/stepwise/bin/Stepwise"
DESKTOP="$(ls "$WORK"/deb-root/opt/stepwise/lib/*.desktop 2>/dev/null | head -n 1 || true)"
[ -n "$DESKTOP" ] || fail ".deb has no desktop entry under /opt/stepwise/lib"
grep -q '^Categories=.*Graphics' "$DESKTOP" || fail "desktop entry $DESKTOP lacks Categories=Graphics"
grep -q '^Exec=/opt/stepwise/bin/Stepwise' "$DESKTOP" || fail "desktop entry $DESKTOP has the wrong Exec line"
[ "$DESKTOP" = "$WORK/deb-root/opt/stepwise/lib/stepwise-Stepwise.desktop" ] \
  || fail "desktop entry is $DESKTOP; installer/resources/postinst and prerm name stepwise-Stepwise.desktop"
for script in postinst prerm; do
  dpkg-deb -I "$DEB_FILE" "$script" | grep -q "Stepwise's own" \
    || fail ".deb $script is not installer/resources/$script (jpackage did not take the override)"
done
ICON="$(sed -n 's/^Icon=//p' "$DESKTOP")"
[ -s "$WORK/deb-root$ICON" ] || fail "desktop entry icon $ICON is not in the package"

# /usr/bin/stepwise, the bash completion and the man pages (installer/build.sh adds them).
R="$WORK/deb-root/usr"
[ "$(readlink "$R/bin/stepwise")" = /opt/stepwise/bin/Stepwise ] || fail "no /usr/bin/stepwise"
GOT="$(bash --norc -c 'source "$1"; COMP_WORDS=(stepwise generate --sam); COMP_CWORD=2
  _complete_stepwise 2> /dev/null; echo "${COMPREPLY[*]}"' _ "$R/share/bash-completion/completions/stepwise" 2>&1)"
[ "$GOT" = --sampler ] || fail "the .deb's bash completion gives '$GOT' for 'generate --sam'"
[ -s "$R/share/man/man1/stepwise-generate.1.gz" ] || fail ".deb has no man pages"
for page in "$R"/share/man/man1/*; do
  ! command -v groff > /dev/null || [ -z "$(zcat "$page" | groff -man -ww -z 2>&1)" ] \
    || fail "$page: groff warnings"
done
echo "check.sh: .deb unpacked in $(secs "$T_DEB" "$(now)") s"
ln -s "$WORK/deb-root/opt/stepwise/bin/Stepwise" "$WORK/stepwise" # run as /usr/bin/stepwise is
run_installed deb "$WORK/deb-root/opt/stepwise" "$WORK/stepwise"

T_END="$(now)"
echo "check.sh: all installer checks passed: build $(secs "$T_START" "$T_BUILT") s, runs $(secs "$T_BUILT" "$T_END") s, total $(secs "$T_START" "$T_END") s"
