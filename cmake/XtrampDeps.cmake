# Third-party dependencies of the library, gathered in one INTERFACE target.
find_package(PkgConfig REQUIRED)

add_library(xtramp_deps INTERFACE)
if(XTRAMP_STATIC_DEPS)
  # Cross builds: static archives from the target sysroot (see ci/ and cmake/toolchains/).
  foreach(lib bpf dw elf z zstd lzma bz2)
    find_library(XTRAMP_${lib}_A NAMES lib${lib}.a)
    if(XTRAMP_${lib}_A)
      list(APPEND _xtramp_static ${XTRAMP_${lib}_A})
    elseif(lib MATCHES "^(bpf|elf|z)$")
      message(FATAL_ERROR "lib${lib}.a not found for ${CMAKE_SYSTEM_PROCESSOR}")
    endif()
  endforeach()
  # libdw.a needs libelf/zlib after it; keep the order above and repeat once.
  target_link_libraries(xtramp_deps INTERFACE ${_xtramp_static} ${_xtramp_static} ${CMAKE_DL_LIBS} pthread)
else()
  pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)
  pkg_check_modules(LIBDW REQUIRED IMPORTED_TARGET libdw)
  target_link_libraries(xtramp_deps INTERFACE PkgConfig::LIBBPF PkgConfig::LIBDW)
endif()
find_path(XTRAMP_DW_INCLUDE elfutils/libdwfl.h REQUIRED)
find_path(XTRAMP_BPF_INCLUDE bpf/btf.h REQUIRED)
