#!/usr/bin/env bash
# `make install` / `make uninstall`: the three binaries (release build), their man pages
# (swift-argument-parser's generate-manual, from the GenerateManual plugin's tool), bash/zsh/fish
# completions (--generate-completion-script) and the Wireshark plugin (contrib/wireshark).
#   scripts/install.sh install|uninstall PREFIX [WIRESHARK_PLUGIN_DIR]
# The plugin goes to WIRESHARK_PLUGIN_DIR (the Makefile passes PREFIX/lib/wireshark/plugins when
# PREFIX is given, else the personal folder ~/.local/lib/wireshark/plugins). DESTDIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTION=${1:?usage: scripts/install.sh install|uninstall PREFIX [PLUGIN_DIR]}
PREFIX=${2:?usage: scripts/install.sh install|uninstall PREFIX [PLUGIN_DIR]}
PLUGINS=${3:-$HOME/.local/lib/wireshark/plugins}
D=${DESTDIR:-}
TOOLS="msgdissect msgfuzz urpc-sim"
BIN=$D$PREFIX/bin
MAN=$D$PREFIX/share/man/man1
BASH_DIR=$D$PREFIX/share/bash-completion/completions
ZSH_DIR=$D$PREFIX/share/zsh/site-functions
FISH_DIR=$D$PREFIX/share/fish/vendor_completions.d
WS=$D$PLUGINS

if [ "$ACTION" = uninstall ]; then
  for t in $TOOLS; do
    rm -f "$BIN/$t" "$MAN/$t.1" "$BASH_DIR/$t" "$ZSH_DIR/_$t" "$FISH_DIR/$t.fish"
    rm -f "$MAN/$t".*.1
  done
  rm -f "$WS/urpc.lua"
  rm -rf "$WS/urpc"
  echo "uninstalled from $PREFIX and $PLUGINS"
  exit 0
fi

swift build -c release --product msgdissect >&2
swift build -c release --product msgfuzz >&2
swift build -c release --product urpc-sim >&2
REL=$(swift build -c release --show-bin-path)
# The GenerateManual plugin's tool; building it through the plugin needs no network once the
# package's dependencies are resolved.
GEN=$(ls .build/*/debug/generate-manual-tool .build/*/release/generate-manual-tool 2>/dev/null | head -n 1 || true)
if [ -z "$GEN" ]; then
  swift package plugin generate-manual --help >/dev/null 2>&1 || true
  GEN=$(ls .build/*/debug/generate-manual-tool .build/*/release/generate-manual-tool 2>/dev/null | head -n 1 || true)
fi
mkdir -p "$BIN" "$MAN" "$BASH_DIR" "$ZSH_DIR" "$FISH_DIR" "$WS/urpc"
for t in $TOOLS; do
  install -m 755 "$REL/$t" "$BIN/$t"
  if [ -n "$GEN" ]; then
    "$GEN" "$REL/$t" --output-directory "$MAN" --authors "msgscope"
  else
    # Fallback: the --help text as a man page.
    { echo ".TH ${t^^} 1"; echo ".SH NAME"; echo "$t"; echo ".SH DESCRIPTION"; echo ".nf"
      "$REL/$t" --help | sed 's/\\/\\e/g; s/^\./\\\&./'; echo ".fi"; } > "$MAN/$t.1"
  fi
  "$REL/$t" --generate-completion-script bash > "$BASH_DIR/$t"
  "$REL/$t" --generate-completion-script zsh > "$ZSH_DIR/_$t"
  "$REL/$t" --generate-completion-script fish > "$FISH_DIR/$t.fish"
done
install -m 644 contrib/wireshark/urpc.lua "$WS/urpc.lua"
install -m 644 contrib/wireshark/urpc/*.lua "$WS/urpc/"
echo "installed $TOOLS into $BIN, man pages into $MAN, completions, and the Wireshark plugin into $PLUGINS"
