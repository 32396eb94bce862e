# Arch facts stay in arch/: outside it (the non-test code of common, btf,
# runtime, cli, conform, bench) at most 2 source files may name an architecture in code,
# the Arch enum and its list (common/arch.hpp). Everything else reads the
# target description (common/target.hpp, arch/<a>/target.cpp); see
# docs/architecture.md.
#
#   cmake -DSOURCE_DIR=<repo> -DGCC=<gcc> -P arch_facts.cmake
#
# Comments are stripped first (gcc -fpreprocessed -dD -E -P); string literals
# and preprocessor conditions count.
cmake_minimum_required(VERSION 3.20)
set(max_files 2)
set(dirs common btf runtime cli conform bench)
set(pattern "s390|aarch64|arm64|x86_64|x86-64|amd64")

set(globs "")
foreach(d ${dirs})
  foreach(ext cpp hpp c h)
    list(APPEND globs ${SOURCE_DIR}/${d}/*.${ext})
  endforeach()
endforeach()
file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${globs})
list(SORT files)

set(hits "")
foreach(f ${files})
  execute_process(COMMAND ${GCC} -fpreprocessed -dD -E -P -x c++ ${SOURCE_DIR}/${f}
                  OUTPUT_VARIABLE text ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${GCC} cannot read ${f}")
  endif()
  string(TOLOWER "${text}" text)
  if(text MATCHES "${pattern}")
    list(APPEND hits ${f})
  endif()
endforeach()

list(LENGTH files checked)
list(LENGTH hits count)
list(JOIN hits "\n  " named)
if(count GREATER max_files)
  message(FATAL_ERROR "${count} source files outside arch/ name an architecture (at most "
                      "${max_files}: the Arch enum and its list); read the target description "
                      "(common/target.hpp) instead:\n  ${named}")
endif()
message(STATUS "${checked} files checked; ${count} name an architecture:\n  ${named}")
