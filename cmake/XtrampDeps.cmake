# Third-party dependencies of the library, gathered in one INTERFACE target
# (xtramp_deps, linked by xtramp as $<BUILD_INTERFACE:...>; installed
# consumers get the same libraries from xtrampConfig.cmake / xtramp.pc).
#
# Native and aarch64 (multiarch) builds: pkg-config libbpf + libdw +
# capstone, shared.
# XTRAMP_STATIC_DEPS=ON (the s390x toolchain file sets it): the static
# archives, in link order, from the toolchain's find root (a private sysroot):
#   libbpf.a libdw.a libelf.a libz.a liblzma.a libbz2.a [libzstd.a] libcapstone.a
# (capstone 4: the disassembler of common/disasm, used to check emitted code)
# (libbpf needs libelf+zlib; libdw.a needs libelf, zlib, liblzma, libbz2,
# dlopen and pthread; Debian 12's elfutils 0.188 is built without zstd.)
find_package(PkgConfig REQUIRED)

add_library(xtramp_deps INTERFACE)
if(XTRAMP_STATIC_DEPS)
  set(_xtramp_static)
  foreach(lib bpf dw elf z lzma bz2 zstd capstone)
    find_library(XTRAMP_${lib}_A NAMES lib${lib}.a)
    if(XTRAMP_${lib}_A)
      list(APPEND _xtramp_static ${XTRAMP_${lib}_A})
    elseif(lib MATCHES "^(bpf|dw|elf|z|capstone)$")
      message(FATAL_ERROR "lib${lib}.a not found for ${CMAKE_SYSTEM_PROCESSOR} "
                          "(XTRAMP_STATIC_DEPS=ON; CMAKE_FIND_ROOT_PATH=${CMAKE_FIND_ROOT_PATH})")
    endif()
  endforeach()
  find_package(Threads REQUIRED)
  target_link_libraries(xtramp_deps INTERFACE ${_xtramp_static} ${CMAKE_DL_LIBS} Threads::Threads)
  message(STATUS "xtramp: static deps ${_xtramp_static}")
else()
  pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)
  pkg_check_modules(LIBDW REQUIRED IMPORTED_TARGET libdw)
  pkg_check_modules(CAPSTONE REQUIRED IMPORTED_TARGET capstone)
  target_link_libraries(xtramp_deps INTERFACE PkgConfig::LIBBPF PkgConfig::LIBDW
                                              PkgConfig::CAPSTONE)
endif()
find_path(XTRAMP_DW_INCLUDE elfutils/libdwfl.h REQUIRED)
find_path(XTRAMP_BPF_INCLUDE bpf/btf.h REQUIRED)
find_path(XTRAMP_CAPSTONE_INCLUDE capstone/capstone.h REQUIRED)
# Headers of a sysroot must win over the host's /usr/include, which Debian's
# cross compilers search too. Never add /usr/include itself (-isystem
# /usr/include breaks libstdc++'s #include_next).
foreach(_dir ${XTRAMP_STATIC_DEPS_INCLUDE} ${XTRAMP_BPF_INCLUDE} ${XTRAMP_DW_INCLUDE}
             ${XTRAMP_CAPSTONE_INCLUDE})
  if(XTRAMP_STATIC_DEPS AND NOT _dir STREQUAL "/usr/include")
    target_include_directories(xtramp_deps SYSTEM BEFORE INTERFACE ${_dir})
  endif()
endforeach()
