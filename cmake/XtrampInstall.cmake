# `cmake --install <build> [--prefix P]` installs:
#   include/xtramp/{common,btf,arch,runtime}/...hpp
#                                             headers, subdirectories kept
#                                             (they include "common/...")
#   <libdir>/libxtramp.a                      the static library
#   bin/xtramp                                the CLI (target xtramp_cli)
#   <libdir>/cmake/xtramp/                    find_package(xtramp) -> xtramp::xtramp
#   <libdir>/pkgconfig/xtramp.pc              pkg-config (Requires.private:
#                                             libbpf libdw capstone)
#
# The library's own dependency target (xtramp_deps) is BUILD_INTERFACE only;
# installed consumers get libbpf/libdw/capstone from xtrampConfig.cmake
# (pkg-config, or the static archives when the build used XTRAMP_STATIC_DEPS)
# and from xtramp.pc. Everything is relocatable (paths relative to the install prefix).
include(CMakePackageConfigHelpers)

set(XTRAMP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/xtramp
    CACHE STRING "Where xtrampConfig.cmake is installed (relative to the prefix)")
set(XTRAMP_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig
    CACHE STRING "Where xtramp.pc is installed (relative to the prefix)")

# Headers of the library folders, layout preserved under include/xtramp/.
foreach(_dir common btf arch runtime)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${_dir})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/${_dir}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xtramp
            COMPONENT xtramp_dev
            FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.inc"
            PATTERN "CMakeFiles" EXCLUDE)
  endif()
endforeach()

install(TARGETS xtramp EXPORT xtrampTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT xtramp_dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xtramp)

if(TARGET xtramp_cli)
  install(TARGETS xtramp_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT xtramp_cli)
endif()
# The conformance runner for this build's architecture, where an installed
# `xtramp conform` looks for it: libexec/xtramp/xtramp-conform-runner-<arch>.
if(TARGET xtramp_conform_runner)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    set(_xt_runner_arch arm64)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^s390x?$")
    set(_xt_runner_arch s390x)
  else()
    set(_xt_runner_arch x86_64)
  endif()
  install(PROGRAMS $<TARGET_FILE:xtramp_conform_runner>
          DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/xtramp
          RENAME xtramp-conform-runner-${_xt_runner_arch} COMPONENT xtramp_cli)
endif()

install(EXPORT xtrampTargets
        NAMESPACE xtramp::
        FILE xtrampTargets.cmake
        DESTINATION ${XTRAMP_INSTALL_CMAKEDIR}
        COMPONENT xtramp_dev)

# asmjit (the arm64 emitter) has no .pc file in Debian: name its archive.
if(asmjit_FOUND)
  set(XTRAMP_WITH_ASMJIT ON)
  set(XTRAMP_PC_ASMJIT_LIBS "-lasmjit -lpthread -lrt")
else()
  set(XTRAMP_WITH_ASMJIT OFF)
  set(XTRAMP_PC_ASMJIT_LIBS "")
endif()

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/xtrampConfig.cmake.in
  ${PROJECT_BINARY_DIR}/xtrampConfig.cmake
  INSTALL_DESTINATION ${XTRAMP_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/xtrampConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/xtrampConfig.cmake
              ${PROJECT_BINARY_DIR}/xtrampConfigVersion.cmake
        DESTINATION ${XTRAMP_INSTALL_CMAKEDIR}
        COMPONENT xtramp_dev)

# pkg-config: prefix computed from the .pc file's own location, so that
# `cmake --install --prefix P` (a prefix chosen at install time) works.
file(RELATIVE_PATH _xtramp_pc_to_prefix
     /__prefix__/${XTRAMP_INSTALL_PKGCONFIGDIR} /__prefix__)
string(REGEX REPLACE "/$" "" _xtramp_pc_to_prefix "${_xtramp_pc_to_prefix}")
set(XTRAMP_PC_PREFIX "\${pcfiledir}/${_xtramp_pc_to_prefix}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/xtramp.pc.in ${PROJECT_BINARY_DIR}/xtramp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/xtramp.pc
        DESTINATION ${XTRAMP_INSTALL_PKGCONFIGDIR}
        COMPONENT xtramp_dev)
