# xtramp_register_gtest(<target> [LABELS <label...>]): register one gtest
# binary with ctest (with those ctest LABELS, what CMakePresets.json's test
# presets select by) through cmake/XtrampRunGtest.cmake, so that skipped gtest
# cases are reported honestly:
#   * the binary exits non-zero                -> ctest "Failed" (always wins)
#   * exit 0, >= 1 case skipped and none passed -> ctest "Skipped"
#   * exit 0, some cases skipped               -> ctest "Passed"; the skipped
#     names are printed ("XTRAMP-GTEST-SKIPPED: Suite.Name") and listed by
#     ci/test from <build>/gtest-results/<target>.xml
# In `ctest --output-junit` a "Skipped" test is status="notrun" with
# <skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>.
# A plain SKIP_REGULAR_EXPRESSION on gtest's "[  SKIPPED ]" is not used on
# purpose: ctest lets a matching skip regex override a failing exit code, so a
# binary with one failure and one skip would show up as "Skipped".
# Cross builds run the binary through CMAKE_CROSSCOMPILING_EMULATOR.
set(XTRAMP_RUN_GTEST_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/XtrampRunGtest.cmake)

function(xtramp_register_gtest target)
  cmake_parse_arguments(G "" "" "LABELS" ${ARGN})
  set(_emu "")
  if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
    string(REPLACE ";" "|" _emu "${CMAKE_CROSSCOMPILING_EMULATOR}")
  endif()
  add_test(NAME ${target}
           COMMAND ${CMAKE_COMMAND}
                   "-DEXE=$<TARGET_FILE:${target}>"
                   "-DEMU=${_emu}"
                   "-DXML=${PROJECT_BINARY_DIR}/gtest-results/${target}.xml"
                   -P ${XTRAMP_RUN_GTEST_SCRIPT})
  set_tests_properties(${target} PROPERTIES SKIP_REGULAR_EXPRESSION "XTRAMP-GTEST-ALL-SKIPPED"
                                             LABELS "${G_LABELS}")
endfunction()
