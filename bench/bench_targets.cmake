# The hooked functions of xtramp-bench and xtramp-icount (bench_targets.c),
# with their own BTF (GCC -gbtf): one object, included by both directories.
# Users link $<TARGET_OBJECTS:xtramp_bench_targets> and define
# XTRAMP_BENCH_TARGETS_OBJ to it (bench_targets_btf.hpp reads its BTF).
include_guard(GLOBAL)
add_library(xtramp_bench_targets OBJECT ${CMAKE_CURRENT_LIST_DIR}/bench_targets.c)
target_compile_options(xtramp_bench_targets PRIVATE -gbtf -g -O2)
