#!/usr/bin/env bash
# Builds Stepwise's Linux app image and .deb with jpackage (JDK 17).
#
#   installer/build.sh               # mvn package (tests skipped), then the app image and the .deb
#   installer/build.sh --no-maven    # reuse target/stepwise.jar and target/lib as they are
#   installer/build.sh --image-only  # the app image only (no fakeroot needed)
#   installer/build.sh --fast-deb    # an uncompressed .deb (same files; the check uses this:
#                                    # dpkg-deb's default xz took 64-470 s on 2 cores)
#
# Results (git-ignored):
#   target/installer/image/Stepwise/          the app image: bin/Stepwise is the launcher
#   target/installer/stepwise_<ver>_amd64.deb the Debian package (/opt/stepwise, /usr/bin/stepwise)
#   target/installer/sizes.txt                sizes and build times of both
#
# Layout inside the image: lib/app/stepwise.jar, lib/app/lib/*.jar (all runtime jars, DJL's
# PyTorch CPU natives included), lib/app/models/stepwise-emoji (the built-in pack, when
# models/stepwise-emoji exists at build time; ModelLocator finds it beside the jar), lib/runtime
# (a jlinked Java 17). Nothing is written inside the image at run time: see docs/install.md.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

MAVEN=1
DEB=1
COMPRESSOR=""
unset DPKG_DEB_COMPRESSOR_TYPE
for arg in "$@"; do
  case "$arg" in
    --no-maven) MAVEN=0 ;;
    --image-only) DEB=0 ;;
    --fast-deb) COMPRESSOR=none ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option '$arg' (allowed: --no-maven, --image-only, --fast-deb)" >&2; exit 2 ;;
  esac
done

die() { echo "build.sh: $*" >&2; exit 1; }

# jpackage: JDK 17's own, from $JAVA_HOME, else the one on the PATH.
JPACKAGE=""
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jpackage" ]; then
  JPACKAGE="$JAVA_HOME/bin/jpackage"
elif command -v jpackage >/dev/null; then
  JPACKAGE="$(command -v jpackage)"
fi
[ -n "$JPACKAGE" ] || die "jpackage is missing: install a full JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME to one"
JDK_MAJOR="$("$JPACKAGE" --version 2>/dev/null | cut -d. -f1)"
[ "$JDK_MAJOR" -ge 17 ] 2>/dev/null || die "jpackage $JDK_MAJOR is too old: JDK 17 or newer is needed"
if [ "$DEB" = 1 ]; then
  command -v fakeroot >/dev/null || die "fakeroot is missing; the .deb needs it (Debian: apt-get install -y fakeroot), or pass --image-only"
  command -v dpkg-deb >/dev/null || die "dpkg-deb is missing; the .deb needs it (Debian: apt-get install -y dpkg)"
fi

if [ "$MAVEN" = 1 ]; then
  ./mvnw -B -q package -DskipTests
fi
[ -f target/stepwise.jar ] || die "target/stepwise.jar is missing: run ./mvnw package -DskipTests first (or drop --no-maven)"
ls target/lib/pytorch-native-cpu-*.jar >/dev/null 2>&1 \
  || die "target/lib has no pytorch-native-cpu jar: run ./mvnw package -DskipTests first"

# jpackage wants a purely numeric version: 0.1.0-SNAPSHOT -> 0.1.0.
POM_VERSION="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)"
APP_VERSION="${POM_VERSION%%-*}"
[[ "$APP_VERSION" =~ ^[0-9]+(\.[0-9]+){0,2}$ ]] || die "pom version '$POM_VERSION' does not start with a number like 1.2.3"

OUT="$ROOT/target/installer"
rm -rf "$OUT"
mkdir -p "$OUT/input/lib" "$OUT/image"

# Stage the input folder: the jar, every runtime jar, the built-in pack.
cp target/stepwise.jar "$OUT/input/"
cp target/lib/*.jar "$OUT/input/lib/"
if [ -f models/stepwise-emoji/model_index.json ]; then
  mkdir -p "$OUT/input/models"
  cp -R models/stepwise-emoji "$OUT/input/models/"
  echo "build.sh: built-in pack models/stepwise-emoji included"
else
  echo "build.sh: models/stepwise-emoji does not exist yet; the image has no built-in pack"
fi

COMMON=(
  --name Stepwise
  --app-version "$APP_VERSION"
  --vendor "Stepwise"
  --description "Desktop image studio: watch a picture emerge from noise, step by step"
  --copyright "Stepwise authors"
  --icon "$ROOT/assets/icon-256.png"
)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The launcher's JVM options (lib/app/Stepwise.cfg; the launcher ignores JDK_JAVA_OPTIONS).
# Stepwise.configureOffline() sets the cache folders at start-up (user's cache, never $APPDIR);
# offline is repeated here so even a class loaded before main() cannot make DJL call home.
t0="$(now)"
"$JPACKAGE" --type app-image "${COMMON[@]}" \
  --input "$OUT/input" \
  --main-jar stepwise.jar \
  --main-class dev.stepwise.Main \
  --java-options "-Dai.djl.offline=true" \
  --dest "$OUT/image"
t1="$(now)"
IMAGE="$OUT/image/Stepwise"
[ -x "$IMAGE/bin/Stepwise" ] || die "jpackage made no launcher at $IMAGE/bin/Stepwise"
IMAGE_SECS="$(secs "$t0" "$t1")"
IMAGE_BYTES="$(du -sb "$IMAGE" | cut -f1)"
echo "build.sh: app image $IMAGE ($((IMAGE_BYTES / 1048576)) MiB) in ${IMAGE_SECS} s"

{
  echo "app_version=$APP_VERSION"
  echo "image_dir=$IMAGE"
  echo "image_bytes=$IMAGE_BYTES"
  echo "image_seconds=$IMAGE_SECS"
} > "$OUT/sizes.txt"

if [ "$DEB" = 1 ]; then
  # The bash completion and man pages, from the launcher just built (its log in a throwaway home).
  CLI="$OUT/stepwise" # the man pages; $CLI.bash the completion
  run() { XDG_CACHE_HOME="$OUT/cli-cache" "$IMAGE/bin/Stepwise" "$@"; }
  run completion bash > "$CLI.bash" && run man "$CLI" > /dev/null || die "completion or man failed"

  # Built from the app image just made (no second jlink). Depends on libgtk-3-0 (JavaFX's glass
  # toolkit loads it at run time, so jpackage's own library scan cannot see it). The desktop entry
  # comes from installer/resources/Stepwise.desktop (category Graphics).
  t0="$(now)"
  DPKG_DEB_COMPRESSOR_TYPE=none "$JPACKAGE" --type deb "${COMMON[@]}" \
    --app-image "$IMAGE" \
    --resource-dir "$ROOT/installer/resources" \
    --linux-package-name stepwise \
    --linux-deb-maintainer "stepwise@localhost" \
    --linux-package-deps "libgtk-3-0" \
    --linux-app-category graphics \
    --linux-menu-group "Graphics;" \
    --linux-shortcut \
    --dest "$OUT"
  DEB_FILE="$(ls "$OUT"/stepwise_*.deb 2>/dev/null | head -n 1)"
  [ -n "$DEB_FILE" ] || die "jpackage made no .deb in $OUT"
  # jpackage writes only /opt (uncompressed above): /usr/bin/stepwise, the completion and the
  # gzipped man pages go in by packing the .deb again under fakeroot (owner root; xz unless
  # --fast-deb), with Installed-Size recounted.
  S="$OUT/deb-stage"
  rm -rf "$S"
  ${COMPRESSOR:+env DPKG_DEB_COMPRESSOR_TYPE=$COMPRESSOR} fakeroot -- bash -euc '
    dpkg-deb -R "$1" "$2"; mkdir -p "$2/usr"; cd "$2/usr"
    mkdir -p bin share/bash-completion/completions share/man
    ln -s /opt/stepwise/bin/Stepwise bin/stepwise
    cp "$3.bash" share/bash-completion/completions/stepwise
    cp -r "$3" share/man/man1; gzip -9n share/man/man1/*; chmod -R go=rX,u+w .
    sed -i "s/^Installed-Size:.*/Installed-Size: $(du -sk --exclude=DEBIAN .. | cut -f1)/" \
      ../DEBIAN/control; dpkg-deb -b .. "$1" > /dev/null' _ "$DEB_FILE" "$S" "$CLI"
  rm -rf "$S" "$CLI" "$CLI.bash" "$OUT/cli-cache"
  t1="$(now)"
  DEB_SECS="$(secs "$t0" "$t1")"
  DEB_BYTES="$(stat -c %s "$DEB_FILE")"
  echo "build.sh: package $DEB_FILE ($((DEB_BYTES / 1048576)) MiB) in ${DEB_SECS} s"
  {
    echo "deb_file=$DEB_FILE"
    echo "deb_bytes=$DEB_BYTES"
    echo "deb_seconds=$DEB_SECS"
  } >> "$OUT/sizes.txt"
fi
rm -rf "$OUT/input"
