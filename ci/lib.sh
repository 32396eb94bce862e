# Sourced by ci/setup-and-run. The configure flags are CMakePresets.json's
# (the presets ci/test drives too), so the README's two commands and CI build
# exactly the same way.

XTRAMP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XTRAMP_JOBS=${XTRAMP_JOBS:-2}
XTRAMP_BUILD=${XTRAMP_BUILD:-$XTRAMP_ROOT/build}

# xtramp_configure <preset> [cmake args...]: configure CMakePresets.json's
# <preset> in $XTRAMP_BUILD/<preset> (build/<preset>, the preset's binaryDir,
# unless XTRAMP_BUILD says otherwise); XTRAMP_BUILD_TYPE overrides its
# RelWithDebInfo.
xtramp_configure() {
  local preset=$1
  shift
  (cd "$XTRAMP_ROOT" &&
    cmake --preset "$preset" -B "$XTRAMP_BUILD/$preset" \
      ${XTRAMP_BUILD_TYPE:+-DCMAKE_BUILD_TYPE=$XTRAMP_BUILD_TYPE} "$@")
}

# The native CI build (also what ci/setup-and-run builds).
XTRAMP_NATIVE_DIR=$XTRAMP_BUILD/native

# Path of the xtramp CLI in a build tree (target xtramp_cli, OUTPUT_NAME
# xtramp, defined in cli/CMakeLists.txt).
xtramp_cli_path() {
  local dir=$1 f
  for f in "$dir/cli/xtramp" "$dir/bin/xtramp" "$dir/xtramp"; do
    [[ -x $f && -f $f ]] && { echo "$f"; return 0; }
  done
  f=$(find "$dir" -path "$dir/CMakeFiles" -prune -o -type f -name xtramp -perm -u+x -print 2>/dev/null | head -n1)
  [[ -n $f ]] && { echo "$f"; return 0; }
  return 1
}

# The architectures `xtramp matrix` runs here: the host natively, the others
# under qemu-user (x86-64 hosts: all three; arm64 hosts: arm64 and s390x).
xtramp_matrix_arches() {
  case $(uname -m) in
    x86_64) echo x86_64,arm64,s390x ;;
    aarch64) echo arm64,s390x ;;
    *) echo s390x ;;
  esac
}

# The real libraries of docs/matrix.md's "Real libraries" section (ci/setup-and-run
# passes them to `xtramp matrix`; their -dev packages are in ci/install-deps):
# NAME:HEADER:DIR, DIR being `xtramp conform --declared-in`'s path.
XTRAMP_MATRIX_LIBRARIES=(
  --library libchipmunk-dev:chipmunk/chipmunk.h:/usr/include/chipmunk
  --library libgsl-dev:gsl/gsl_complex_math.h:/usr/include/gsl/gsl_complex_math.h
  # The same API with <complex.h> first: gsl_complex is then a C11 `double _Complex`.
  --library "libgsl-dev (C11 complex):complex.h,gsl/gsl_complex_math.h:/usr/include/gsl/gsl_complex_math.h"
  --library libhpdf-dev:hpdf.h:/usr/include/hpdf.h
)

# xtramp_build_cross_runners <arches>: configure the cross build directories
# (presets aarch64 and s390x: the ones ci/test's cross stages use) if needed
# and build xtramp-conform-runner there for every non-host arch in the list.
xtramp_build_cross_runners() {
  local a dir host
  host=$(uname -m)
  for a in ${1//,/ }; do
    case $a in arm64) dir=aarch64 ;; *) dir=$a ;; esac
    [[ $dir == "$host" ]] && continue
    if [[ ! -f $XTRAMP_BUILD/$dir/build.ninja ]]; then
      xtramp_configure "$dir" || return 1
    fi
    cmake --build "$XTRAMP_BUILD/$dir" -j"$XTRAMP_JOBS" --target xtramp_conform_runner || return 1
  done
}
