# The msgdissect modes the dissection benchmarks measure, by name (sourced by bench/dissect.sh and
# bench/dissect-instructions.sh, so both measure the same commands).
dissect_modes=(summary json verbose statsquiet stats leaks)

# dissect_mode_args MODE: sets mode_args to msgdissect's arguments for MODE (the capture follows).
dissect_mode_args() {
  case $1 in
    summary) mode_args=() ;;
    json) mode_args=(--json) ;;
    verbose) mode_args=(-V) ;;
    statsquiet) mode_args=(--stats --quiet) ;;
    stats) mode_args=(--stats) ;;
    leaks) mode_args=(leaks) ;;
    *) echo "unknown mode $1" >&2; return 2 ;;
  esac
}

# dissect_mode_title MODE: the row title of MODE in the benchmark tables.
dissect_mode_title() {
  case $1 in
    summary) echo "msgdissect (summary)" ;;
    verbose) echo "msgdissect -V" ;;
    leaks) echo "msgdissect leaks" ;;
    *) dissect_mode_args "$1"; echo "msgdissect ${mode_args[*]}" ;;
  esac
}
