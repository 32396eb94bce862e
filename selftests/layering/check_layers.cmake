# cmake -DXTRAMP_SOURCE_DIR=<repo> -P check_layers.cmake
#
# Fails listing every file under arch/ or common/ that includes a runtime/
# header: runtime/ (code memory, text poke, RCU, trampolines, attachments) is
# the layer above arch/, and hands the backends what they need (a CodeWriter,
# the RCU stub facts) instead of being called by them.
set(_below arch common)
set(_found "")
foreach(dir ${_below})
  file(GLOB_RECURSE _files RELATIVE ${XTRAMP_SOURCE_DIR}
       ${XTRAMP_SOURCE_DIR}/${dir}/*.hpp ${XTRAMP_SOURCE_DIR}/${dir}/*.h
       ${XTRAMP_SOURCE_DIR}/${dir}/*.cpp ${XTRAMP_SOURCE_DIR}/${dir}/*.inc)
  foreach(f ${_files})
    file(STRINGS ${XTRAMP_SOURCE_DIR}/${f} _hits REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]runtime/")
    foreach(h ${_hits})
      string(APPEND _found "  ${f}: ${h}\n")
    endforeach()
  endforeach()
endforeach()
if(_found)
  message(FATAL_ERROR "arch/ and common/ must not include runtime/ (the layer above them):\n"
                      "${_found}")
endif()
message(STATUS "arch/ and common/ include nothing from runtime/")
