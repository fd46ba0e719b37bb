#!/bin/bash
# Run in the guest by make check, on the patched kernel: the selftests
# (run-selftests.sh --strict), then the mount --beneath cases of util-linux
# (check-util-linux.sh --strict --only beneath), in one boot. A SKIP in the
# series' own tests is a failure here. Prints one KTAP document with both
# nested and ends with "N passed, N failed, N skipped" over their test
# cases. Exit status 1 if either failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

guest_only "$0"
mapfile -t runs < <(series_guest_runs)
ktap_begin ${#runs[@]}
ktap_run_nested "${runs[@]}"
ktap_end
