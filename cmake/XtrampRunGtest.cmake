# Runs one gtest binary for ctest (see XtrampGtest.cmake).
#   cmake -DEXE=<binary> [-DEMU=<emulator|args>] -DXML=<result.xml> -P XtrampRunGtest.cmake
# Extra arguments for the binary can be given in the environment variable
# XTRAMP_GTEST_ARGS (e.g. --gtest_filter=...).
if(NOT EXE OR NOT XML)
  message(FATAL_ERROR "usage: cmake -DEXE=<gtest binary> -DXML=<xml> [-DEMU=a|b] -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
set(_cmd)
if(EMU)
  string(REPLACE "|" ";" _cmd "${EMU}")
endif()
list(APPEND _cmd ${EXE} --gtest_brief=1 --gtest_output=xml:${XML})
if(DEFINED ENV{XTRAMP_GTEST_ARGS})
  separate_arguments(_extra UNIX_COMMAND "$ENV{XTRAMP_GTEST_ARGS}")
  list(APPEND _cmd ${_extra})
endif()

get_filename_component(_xml_dir "${XML}" DIRECTORY)
file(MAKE_DIRECTORY "${_xml_dir}")
file(REMOVE "${XML}")

# Output goes straight to ctest (not captured), so a hang or a crash still
# shows everything the binary printed.
execute_process(COMMAND ${_cmd} RESULT_VARIABLE _rc)

if(NOT _rc STREQUAL "0")
  message(FATAL_ERROR "XTRAMP-GTEST-FAILED: ${EXE} exited with '${_rc}'")
endif()
if(NOT EXISTS "${XML}")
  message(FATAL_ERROR "XTRAMP-GTEST-FAILED: ${EXE} exited 0 but wrote no ${XML}")
endif()

file(READ "${XML}" _xml)
string(REGEX MATCHALL "<testcase [^>]*>" _cases "${_xml}")
set(_run 0)
set(_skipped 0)
set(_names)
foreach(_c IN LISTS _cases)
  if(NOT _c MATCHES "status=\"run\"")
    continue()  # disabled tests
  endif()
  math(EXPR _run "${_run} + 1")
  if(_c MATCHES "result=\"skipped\"")
    math(EXPR _skipped "${_skipped} + 1")
    string(REGEX REPLACE ".* name=\"([^\"]*)\".*" "\\1" _n "${_c}")
    string(REGEX REPLACE ".* classname=\"([^\"]*)\".*" "\\1" _s "${_c}")
    list(APPEND _names "${_s}.${_n}")
  endif()
endforeach()
foreach(_n IN LISTS _names)
  message("XTRAMP-GTEST-SKIPPED: ${_n}")
endforeach()
if(_run EQUAL 0)
  message("XTRAMP-GTEST-ALL-SKIPPED: ${EXE} ran no test cases")
elseif(_skipped EQUAL _run)
  message("XTRAMP-GTEST-ALL-SKIPPED: all ${_run} test cases skipped")
elseif(_skipped GREATER 0)
  message("XTRAMP-GTEST-PARTIAL: ${_skipped} of ${_run} test cases skipped")
endif()
