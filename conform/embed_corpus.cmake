# cmake -DCORPUS_DIR=<dir> -DTEMPLATE=<corpus_embed.cpp.in> -DOUT=<file> -P embed_corpus.cmake
# Reads the corpus headers into raw string literals.
set(_delim "xtramp_corpus")
foreach(_name selftests rfc odd_structs)
  file(READ ${CORPUS_DIR}/${_name}.h _text)
  string(FIND "${_text}" ")${_delim}\"" _clash)
  if(NOT _clash EQUAL -1)
    message(FATAL_ERROR "${_name}.h contains the raw string delimiter )${_delim}\"")
  endif()
  string(TOUPPER ${_name} _upper)
  set(CORPUS_${_upper} "${_text}")
endforeach()
configure_file(${TEMPLATE} ${OUT} @ONLY)
# Newer than the headers even when unchanged, or the build would rerun this.
file(TOUCH ${OUT})
