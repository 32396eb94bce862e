# Shared by ci/test and ci/setup-and-run (sourced, not executed).
# One place for the build directories and configure flags, so the README's
# two commands and CI build exactly the same way.

XTRAMP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XTRAMP_JOBS=${XTRAMP_JOBS:-2}
XTRAMP_BUILD=${XTRAMP_BUILD:-$XTRAMP_ROOT/build}
XTRAMP_BUILD_TYPE=${XTRAMP_BUILD_TYPE:-RelWithDebInfo}

# xtramp_configure <build-dir> [cmake args...]: configure with Ninja.
xtramp_configure() {
  local dir=$1
  shift
  cmake -S "$XTRAMP_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$XTRAMP_BUILD_TYPE" "$@"
}

# The native CI build (also what ci/setup-and-run builds).
XTRAMP_NATIVE_DIR=$XTRAMP_BUILD/native
XTRAMP_NATIVE_FLAGS=(-DXTRAMP_WERROR=ON)

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
