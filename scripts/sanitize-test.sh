#!/usr/bin/env bash
# Runs vitest test files against the sanitizer build (`make sanitize-test`):
#   sanitize-test.sh ADDON_DIR TEST...
# The addon is instrumented but node is not, so the ASan runtime must be the first library
# loaded: LD_PRELOAD of clang's shared runtime (which carries UBSan too). Leak checking is off
# because node and V8 keep allocations alive until exit by design.
set -euo pipefail
cd "$(dirname "$0")/.."
addon_dir=${1:?usage: sanitize-test.sh ADDON_DIR TEST...}
shift
runtime=$(${CLANG:-clang-14} -print-file-name=libclang_rt.asan-x86_64.so)
[ -f "$runtime" ] || { echo "sanitize-test: no ASan runtime at $runtime (apt-get install libclang-rt-14-dev)" >&2; exit 1; }
export NETPLUGIN_ADDON_DIR=$addon_dir
export NETPLUGIN_CNI_SHIM=$addon_dir/netplugin-cni
export NETPLUGIN_SANITIZER=asan
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:print_summary=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LD_PRELOAD=$runtime exec npx vitest run --no-file-parallelism "$@"
