# Cross toolchain: s390x (64-bit, big-endian) Linux, Debian cross compiler
# plus a private sysroot.
#
#   cmake -S . -B build/s390x -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x-linux-gnu.cmake
#
# apt cannot install libbpf-dev:s390x on bookworm (Multi-Arch version lockstep,
# no s390x in bookworm-security), so ci/install-deps unpacks the s390x .debs
# into a private sysroot (XTRAMP_SYSROOT_S390X, default
# /opt/xtramp/sysroot-s390x) and the build links libbpf, libdw, libelf, zlib,
# liblzma, libbz2 statically from there (XTRAMP_STATIC_DEPS=ON). Only the C
# library is dynamic: it is the cross libc in /usr/s390x-linux-gnu, which is
# what qemu-s390x -L points at.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(_xt_triple s390x-linux-gnu)

if(DEFINED ENV{XTRAMP_SYSROOT_S390X} AND NOT "$ENV{XTRAMP_SYSROOT_S390X}" STREQUAL "")
  set(XTRAMP_SYSROOT_S390X "$ENV{XTRAMP_SYSROOT_S390X}")
elseif(NOT XTRAMP_SYSROOT_S390X)
  set(XTRAMP_SYSROOT_S390X /opt/xtramp/sysroot-s390x)
endif()
# try_compile() re-reads this file in a fresh project: forward the path.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES XTRAMP_SYSROOT_S390X)
if(NOT EXISTS ${XTRAMP_SYSROOT_S390X}/usr/lib/${_xt_triple}/libbpf.a)
  message(FATAL_ERROR "s390x sysroot not found at ${XTRAMP_SYSROOT_S390X} "
                      "(run ci/install-deps, or set XTRAMP_SYSROOT_S390X)")
endif()

set(CMAKE_C_COMPILER ${_xt_triple}-gcc)
set(CMAKE_CXX_COMPILER ${_xt_triple}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${_xt_triple})

# Sysroot first (libbpf/libdw/gtest/fmt), then the cross libc, then "/" for
# arch-independent configs (/usr/share/cmake: CLI11, nlohmann_json).
set(CMAKE_FIND_ROOT_PATH ${XTRAMP_SYSROOT_S390X} /usr/${_xt_triple} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The sysroot's .pc files say prefix=/usr: let pkg-config re-root them.
set(ENV{PKG_CONFIG_LIBDIR}
    ${XTRAMP_SYSROOT_S390X}/usr/lib/${_xt_triple}/pkgconfig:${XTRAMP_SYSROOT_S390X}/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${XTRAMP_SYSROOT_S390X})

# Link libbpf/libdw/libelf/zlib/... from the sysroot's static archives.
set(XTRAMP_STATIC_DEPS ON CACHE BOOL "Link libbpf, libdw, libelf and zlib statically")
set(XTRAMP_STATIC_DEPS_INCLUDE ${XTRAMP_SYSROOT_S390X}/usr/include)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libstdc++ -static-libgcc")

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x;-L;/usr/${_xt_triple})
