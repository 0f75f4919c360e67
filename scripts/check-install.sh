#!/usr/bin/env bash
# Proves `make install` and `make uninstall`: installs into a fresh PREFIX, opens every man page
# with `man -l`, loads every bash completion script (and checks the zsh/fish ones with their
# shells when present), loads the Wireshark plugin from a personal plugin folder and dissects a
# shipped capture with it, then uninstalls and checks that nothing is left. Exit 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=$(mktemp -d)
FAKE_HOME=$(mktemp -d)
trap 'rm -rf "$PREFIX" "$FAKE_HOME"' EXIT
fail() { echo "check-install: $*" >&2; exit 1; }
start=$(date +%s)
make --no-print-directory install PREFIX="$PREFIX" >/dev/null
echo "install: $(( $(date +%s) - start )) s"
for t in msgdissect msgfuzz urpc-sim; do
  [ -x "$PREFIX/bin/$t" ] || fail "no $PREFIX/bin/$t"
  "$PREFIX/bin/$t" --help >/dev/null || fail "$t --help"
  page=$PREFIX/share/man/man1/$t.1
  MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q "^NAME" || fail "man -l $page shows no NAME section"
  MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q "$t" || fail "man -l $page does not name $t"
  bash -c "source '$PREFIX/share/bash-completion/completions/$t' && complete -p $t" >/dev/null \
    || fail "the bash completion of $t does not load"
  [ -s "$PREFIX/share/zsh/site-functions/_$t" ] || fail "no zsh completion for $t"
  [ -s "$PREFIX/share/fish/vendor_completions.d/$t.fish" ] || fail "no fish completion for $t"
  if command -v zsh >/dev/null; then zsh -n "$PREFIX/share/zsh/site-functions/_$t" || fail "zsh completion of $t"; fi
  if command -v fish >/dev/null; then fish -n "$PREFIX/share/fish/vendor_completions.d/$t.fish" || fail "fish completion of $t"; fi
done
# The completion completes: msgdissect's subcommands are offered after "msgdissect ".
words=$(bash -c "source '$PREFIX/share/bash-completion/completions/msgdissect'
  COMP_WORDS=(msgdissect ''); COMP_CWORD=1; COMP_LINE='msgdissect '; COMP_POINT=\${#COMP_LINE}
  _msgdissect; printf '%s\n' \"\${COMPREPLY[@]}\"")
grep -qx leaks <<<"$words" || fail "bash completion of 'msgdissect ' does not offer leaks"
PLUGINS=$PREFIX/lib/wireshark/plugins
[ -f "$PLUGINS/urpc.lua" ] || fail "no plugin in $PLUGINS"
if command -v tshark >/dev/null; then
  # As a personal plugin (the folder make install uses without PREFIX).
  mkdir -p "$FAKE_HOME/.local/lib/wireshark"
  cp -r "$PLUGINS" "$FAKE_HOME/.local/lib/wireshark/"
  n=$(HOME=$FAKE_HOME tshark -r captures/shared/urpc_a_basic_session.pcap -Y 'urpc.cmd == "_d"' 2>/dev/null | wc -l)
  [ "$n" = 2 ] || fail "the installed plugin lists $n releases in capture A (2 expected)"
fi
make --no-print-directory uninstall PREFIX="$PREFIX" >/dev/null
left=$(find "$PREFIX" -type f | head -n 5)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "check-install: ok ($(( $(date +%s) - start )) s)"
