#!/usr/bin/env bash
# Rasterizes assets/icon.svg to the PNG sizes desktops and jpackage use (16 to 512 px).
# Needs rsvg-convert (Debian: apt-get install -y librsvg2-bin). The PNGs are committed, so the
# installer build does not need this script; run it after editing the SVG.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rsvg-convert >/dev/null || { echo "icons.sh: rsvg-convert is missing (apt-get install -y librsvg2-bin)" >&2; exit 1; }
for s in 16 32 48 64 128 256 512; do
  rsvg-convert -w "$s" -h "$s" assets/icon.svg -o "assets/icon-$s.png"
done
echo "icons.sh: wrote assets/icon-{16,32,48,64,128,256,512}.png"
